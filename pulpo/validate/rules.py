"""The rules a project must follow before it can be compiled.

Each ``_check_*`` function looks at one kind of declaration and reports every
problem it sees; :func:`diagnose` runs them all, so one run of ``pulpo check``
shows every problem in the project, sorted by file and line. :func:`validate`
runs them too and, when nothing is wrong, hands on the resolved
:class:`~pulpo.validate.model.ValidProject`, reusing what the rules read (each
operation's signature is read once).
"""

import functools
import inspect
import re
from collections.abc import Callable, Iterator

from pydantic import BaseModel
from pydantic.errors import PydanticUndefinedAnnotation

from pulpo.declare import ROUTES
from pulpo.declare.naming import is_name_part
from pulpo.discover.hierarchy import (
    DependencyCycle,
    build_tree,
    resolve_after,
    resolve_input,
    stages,
)
from pulpo.discover.project import DiscoveredModel, DiscoveredOperation, Location, Project
from pulpo.discover.source import locate
from pulpo.errors import UsageError
from pulpo.validate.diagnostics import Code, Diagnostic
from pulpo.validate.model import ValidProject
from pulpo.validate.resolve import resolve
from pulpo.validate.routes import check_routes
from pulpo.validate.schedules import check_schedules
from pulpo.validate.settings import check_settings
from pulpo.validate.signature import (
    OperationSignature,
    SignatureProblem,
    example_problems,
    read_signature,
)
from pulpo.validate.types import is_model, named_types, unsupported_reason
from pulpo.validate.upstreams import check_upstreams

RESERVED_FIELDS = {"id": "is reserved for the document id ('_id') in the generated API"}
# The generated app's own route prefixes: a collection's CRUD routes (``/<collection>``)
# would collide with them. Module and variable names are never the problem: every name a
# collection gives generated code is claimed in pulpo.generate.names.
RESERVED_COLLECTIONS = {"health", "operations", "flows", "docs", "redoc"}


class ProjectInvalid(UsageError):
    """The project has problems; nothing downstream can run. ``diagnostics`` lists them all."""

    exit_code = 2

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} problem(s) found; nothing was written")
        self.diagnostics = diagnostics


def validate(project: Project) -> ValidProject:
    """The resolved model of ``project``; raises :class:`ProjectInvalid` with every problem."""
    signatures = _Signatures()
    diagnostics = _diagnose(project, signatures)
    if diagnostics:
        raise ProjectInvalid(diagnostics)
    return resolve(project, signatures.valid(project))


def diagnose(project: Project) -> list[Diagnostic]:
    """Every problem in ``project``, sorted by place; empty when it can be compiled."""
    return _diagnose(project, _Signatures())


class _Signatures:
    """Each operation's signature, read once however many rules ask for it."""

    def __init__(self) -> None:
        self._read: dict[int, tuple[OperationSignature | None, list[SignatureProblem]]] = {}

    def __call__(
        self, operation: DiscoveredOperation
    ) -> tuple[OperationSignature | None, list[SignatureProblem]]:
        key = id(operation)
        if key not in self._read:
            self._read[key] = read_signature(operation.spec)
        return self._read[key]

    def valid(self, project: Project) -> dict[str, OperationSignature]:
        """Every operation's signature by name, for a project with no problems."""
        found: dict[str, OperationSignature] = {}
        for operation in project.operations:
            signature, _ = self(operation)
            if signature is None:
                raise AssertionError(f"{operation.spec.name} passed validation unread")
            found[operation.spec.name] = signature
        return found


def _diagnose(project: Project, signatures: _Signatures) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    found.extend(_check_imports(project))
    for model in project.models:
        found.extend(_check_model(project, model))
    found.extend(_check_model_uniqueness(project))
    valid_names: list[DiscoveredOperation] = []
    for operation in project.operations:
        problems = list(_check_operation(project, operation, signatures))
        found.extend(problems)
        if not any(
            p.code in (Code.NON_HIERARCHICAL_NAME, Code.INVALID_NAME_PART) for p in problems
        ):
            valid_names.append(operation)
    found.extend(_check_operation_names(project, valid_names))
    found.extend(_check_hierarchy(project, valid_names, signatures))
    found.extend(_check_type_names(project, signatures))
    found.extend(check_routes(project, valid_names, signatures))
    found.extend(check_settings(project))
    found.extend(check_upstreams(project))
    found.extend(check_schedules(project, signatures))
    if not found and not project.models and not project.operations:
        settings = project.root / "pyproject.toml"
        found.append(
            Diagnostic(
                Location(settings if settings.exists() else project.root, 1),
                Code.NOTHING_DECLARED,
                f"no @datamodel or @operation found in packages {list(project.config.packages)}",
            )
        )
    return sorted(set(found))


def _check_imports(project: Project) -> Iterator[Diagnostic]:
    for failure in project.import_failures:  # one per distinct error (see discover.importer)
        message = f"importing {failure.module}: {failure.message}"
        if failure.also_breaks:
            message += f" (also breaks {', '.join(failure.also_breaks)})"
        yield Diagnostic(failure.location, Code.IMPORT_ERROR, message)


def _model_location(
    project: Project, model: DiscoveredModel, member: str | None = None
) -> Location:
    return Location(model.file, locate(model.file, model.spec.name, member))


def _operation_location(
    project: Project,
    operation: DiscoveredOperation,
    member: str | None = None,
    at: str = "decorator",
) -> Location:
    name = operation.spec.function.__name__
    return Location(operation.file, locate(operation.file, name, member, at=at))


def _check_model(project: Project, model: DiscoveredModel) -> Iterator[Diagnostic]:
    cls = model.spec.cls
    name = model.spec.name
    if not is_model(cls):
        yield Diagnostic(
            _model_location(project, model),
            Code.NOT_A_PYDANTIC_MODEL,
            f"{name}: @datamodel needs a pydantic BaseModel subclass",
        )
        return
    if undefined := _undefined_annotation(cls):
        member = next(
            (
                field
                for field, raw in vars(cls).get("__annotations__", {}).items()
                if re.search(rf"\b{re.escape(undefined)}\b", str(raw))  # not 'Item' in 'ItemList'
            ),
            None,
        )
        yield Diagnostic(
            _model_location(project, model, member),
            Code.UNKNOWN_MODEL,
            f"{name}{'.' + member if member else ''}: unknown type {undefined!r}",
        )
        return
    for field_name, field in cls.model_fields.items():
        if field_name in RESERVED_FIELDS:
            yield Diagnostic(
                _model_location(project, model, field_name),
                Code.RESERVED_FIELD_NAME,
                f"{name}.{field_name}: {RESERVED_FIELDS[field_name]}",
            )
        if reason := unsupported_reason(field.annotation):
            yield Diagnostic(
                _model_location(project, model, field_name),
                Code.UNSUPPORTED_FIELD_TYPE,
                f"{name}.{field_name}: {reason}",
            )
    collection = model.spec.collection
    if not collection.isidentifier() or collection in RESERVED_COLLECTIONS:
        why = (
            f"is reserved: the generated app serves /{collection} itself"
            if collection.isidentifier()
            else ("must be a Python identifier (it names a module of the generated app)")
        )
        yield Diagnostic(
            _model_location(project, model),
            Code.INVALID_COLLECTION,
            f"{name}: collection {collection!r} {why}",
        )
    for index in model.spec.indexes:
        for field_name in index.field_names:
            if field_name.split(".")[0] not in cls.model_fields:
                yield Diagnostic(
                    _model_location(project, model),
                    Code.UNKNOWN_INDEX_FIELD,
                    f"{name}: index field {field_name!r} is not a field of {name}",
                )
    yield from _check_api_options(project, model, cls)


def _check_api_options(
    project: Project, model: DiscoveredModel, cls: type[BaseModel]
) -> Iterator[Diagnostic]:
    """``server_managed=`` names fields that have a default; ``routes=`` names CRUD routes."""
    name = model.spec.name
    for field_name in model.spec.server_managed:
        field = cls.model_fields.get(field_name) if isinstance(field_name, str) else None
        if field is None:
            yield Diagnostic(
                _model_location(project, model),
                Code.UNKNOWN_SERVER_MANAGED_FIELD,
                f"{name}: server_managed field {field_name!r} is not a field of {name}",
            )
        elif field.is_required() and "create" in model.spec.routes:
            yield Diagnostic(
                _model_location(project, model),
                Code.SERVER_MANAGED_WITHOUT_DEFAULT,
                f"{name}.{field_name}: a server-managed field needs a default: no request "
                f"may set it, so a {name} created with POST starts with the default",
            )
    for route in model.spec.routes:
        if route not in ROUTES:
            yield Diagnostic(
                _model_location(project, model),
                Code.UNKNOWN_ROUTE,
                f"{name}: route {route!r} is not one of {', '.join(ROUTES)}",
            )


def _undefined_annotation(cls: type[BaseModel]) -> str | None:
    if cls.__pydantic_complete__:
        return None
    try:
        cls.model_rebuild(raise_errors=True)
    except PydanticUndefinedAnnotation as error:
        return error.name
    return None


def _check_model_uniqueness(project: Project) -> Iterator[Diagnostic]:
    by_name: dict[str, DiscoveredModel] = {}
    by_collection: dict[str, DiscoveredModel] = {}
    for model in project.models:
        first = by_name.setdefault(model.spec.name, model)
        if first is not model:
            yield Diagnostic(
                _model_location(project, model),
                Code.DUPLICATE_MODEL,
                f"{model.spec.name}: a datamodel of this name is already declared at "
                f"{_model_location(project, first)}",
            )
            continue
        first = by_collection.setdefault(model.spec.collection, model)
        if first is not model:
            yield Diagnostic(
                _model_location(project, model),
                Code.DUPLICATE_COLLECTION,
                f"{model.spec.name}: collection {model.spec.collection!r} is already used by "
                f"{first.spec.name}",
            )


def _check_operation(
    project: Project, operation: DiscoveredOperation, signatures: _Signatures
) -> Iterator[Diagnostic]:
    spec = operation.spec

    def here() -> Location:  # parsing the source for a position is only worth it on a problem
        return _operation_location(project, operation)

    if not isinstance(spec.name, str) or not spec.name:
        yield Diagnostic(
            here(),
            Code.INVALID_NAME_PART,
            f"operation name must be a non-empty string, got {spec.name!r}",
        )
        return
    parts = spec.name.split(".")
    if len(parts) < 2:
        yield Diagnostic(
            here(),
            Code.NON_HIERARCHICAL_NAME,
            f"{spec.name!r}: an operation name needs a group and a name, "
            f"e.g. 'pokemon.management.{spec.name}'",
        )
    for part in parts:
        if not is_name_part(part):
            yield Diagnostic(
                here(),
                Code.INVALID_NAME_PART,
                f"{spec.name!r}: part {part!r} must be a lowercase Python identifier",
            )
    if not inspect.iscoroutinefunction(spec.function):
        yield Diagnostic(
            _operation_location(project, operation, at="def"),
            Code.NOT_ASYNC,
            f"{spec.name}: operations must be 'async def' functions",
        )
    if (
        spec.retries < 0
        or spec.retry_delay_seconds < 0
        or (spec.timeout is not None and spec.timeout <= 0)
    ):
        yield Diagnostic(
            here(),
            Code.INVALID_RUN_OPTION,
            f"{spec.name}: retries and retry_delay_seconds must be ≥ 0 and timeout > 0",
        )
    signature, problems = signatures(operation)
    for problem in problems:
        where = _operation_location(
            project, operation, problem.member, at="returns" if problem.at_returns else "def"
        )
        yield Diagnostic(where, problem.code, f"{spec.name}: {problem.message}")
    if signature is not None:
        for message in example_problems(spec, signature):
            yield Diagnostic(here(), Code.INVALID_EXAMPLE, f"{spec.name}: {message}")


def _check_operation_names(
    project: Project, operations: list[DiscoveredOperation]
) -> Iterator[Diagnostic]:
    first_by_name: dict[str, DiscoveredOperation] = {}
    for operation in operations:
        first = first_by_name.setdefault(operation.spec.name, operation)
        if first is not operation:
            yield Diagnostic(
                _operation_location(project, operation),
                Code.DUPLICATE_OPERATION,
                f"{operation.spec.name}: already declared at {_operation_location(project, first)}",
            )
    for operation in operations:
        prefix = operation.spec.name + "."
        inner = next((name for name in first_by_name if name.startswith(prefix)), None)
        if inner is not None:
            yield Diagnostic(
                _operation_location(project, operation),
                Code.NAME_CONFLICT,
                f"{operation.spec.name}: is an operation and also the group of {inner!r}; "
                "a name is either a group or an operation",
            )


def _check_hierarchy(
    project: Project, operations: list[DiscoveredOperation], signatures: _Signatures
) -> Iterator[Diagnostic]:
    unique = list({op.spec.name: op for op in reversed(operations)}.values())[::-1]
    by_name = {op.spec.name: op for op in unique}
    for group in (
        group for root in build_tree(op.spec for op in unique) for group in root.groups()
    ):
        siblings = [child.name for child in group.children.values()]
        for child in group.children.values():
            if child.operation is None:
                continue
            operation = by_name[child.name]
            resolved = resolve_after(child.operation, siblings)
            for written, target in zip(child.operation.after, resolved, strict=True):
                if target is None:
                    yield _unknown_dependency(project, operation, written, siblings)
            yield from _check_inputs(project, operation, resolved, by_name, signatures)
        try:
            stages(group)
        except DependencyCycle as cycle:
            yield Diagnostic(
                _operation_location(project, by_name[cycle.members[0]]),
                Code.DEPENDENCY_CYCLE,
                f"after= order loops: {' → '.join(cycle.members)}",
            )


def _unknown_dependency(
    project: Project, operation: DiscoveredOperation, written: str, siblings: list[str]
) -> Diagnostic:
    spec = operation.spec
    if written in (spec.name, spec.short_name):
        return Diagnostic(
            _operation_location(project, operation),
            Code.DEPENDENCY_CYCLE,
            f"{spec.name}: after={written!r} makes the operation wait for itself",
        )
    others = [name.rpartition(".")[2] for name in siblings if name != spec.name]
    return Diagnostic(
        _operation_location(project, operation),
        Code.UNKNOWN_DEPENDENCY,
        f"{spec.name}: after={written!r} is not a sibling operation "
        f"(siblings: {', '.join(others) or 'none'})",
    )


def _check_inputs(
    project: Project,
    operation: DiscoveredOperation,
    predecessors: list[str | None],
    by_name: dict[str, DiscoveredOperation],
    signatures: _Signatures,
) -> Iterator[Diagnostic]:
    spec = operation.spec
    signature, _ = signatures(operation)
    parameters = {field.name for field in signature.inputs} if signature else set()
    if signature is not None and signature.input_model is not None:
        parameters = set(signature.input_model.model_fields)
    for parameter, source in spec.inputs.items():
        full, field = resolve_input(spec, source)
        stage = source.rpartition(".")[0]
        problem = None
        if signature is not None and parameter not in parameters:
            problem = f"inputs key {parameter!r} is not a parameter of {spec.name}"
        elif not full or not field:
            problem = f"inputs[{parameter!r}] = {source!r} must be 'stage.field'"
        else:
            if full not in predecessors:
                problem = f"inputs[{parameter!r}] reads from {stage!r}, which is not in after="
            elif full not in by_name:  # a sibling group: its flow's output is not one model
                problem = f"inputs[{parameter!r}] reads from {stage!r}, a group, not an operation"
            elif (
                feeding := signatures(by_name[full])[0]
            ) and field not in feeding.output.model_fields:
                problem = f"inputs[{parameter!r}]: {feeding.output.__name__} has no field {field!r}"
        if problem:
            yield Diagnostic(
                _operation_location(project, operation),
                Code.INVALID_INPUT_MAP,
                f"{spec.name}: {problem}",
            )


def _check_type_names(project: Project, signatures: _Signatures) -> Iterator[Diagnostic]:
    """Two different classes of one name cannot both be imported into the generated app."""
    seen: dict[str, type] = {}
    reported: set[str] = set()
    for model in project.models:
        if is_model(model.spec.cls):
            for cls in named_types(model.spec.cls):
                yield from _clash(
                    seen, reported, cls, functools.partial(_model_location, project, model)
                )
    for operation in project.operations:
        signature, _ = signatures(operation)
        if signature is None:
            continue
        annotations = [field.annotation for field in signature.inputs]
        annotations += [signature.output] + (
            [signature.input_model] if signature.input_model else []
        )
        for annotation in annotations:
            for cls in named_types(annotation):
                yield from _clash(
                    seen, reported, cls, functools.partial(_operation_location, project, operation)
                )


def _clash(
    seen: dict[str, type],
    reported: set[str],
    cls: type,
    where: Callable[[], Location],
) -> Iterator[Diagnostic]:
    first = seen.setdefault(cls.__name__, cls)
    if first is not cls and cls.__name__ not in reported:
        reported.add(cls.__name__)
        yield Diagnostic(
            where(),
            Code.TYPE_NAME_CLASH,
            f"two different types are named {cls.__name__!r} ({first.__module__} and "
            f"{cls.__module__}); rename one",
        )
