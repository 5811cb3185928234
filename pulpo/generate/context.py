"""What the templates see: plain descriptions of every file to generate.

Templates stay free of logic; everything they print (names, annotations,
imports, route paths) is decided here, from a validated project.
"""

import datetime
import decimal
import enum
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic.fields import FieldInfo

from pulpo import __version__
from pulpo.declare.naming import pascal_case, snake_case
from pulpo.generate.annotations import (
    Imports,
    constraint_arguments,
    optional,
    render_annotation,
    render_literal,
)
from pulpo.generate.flows import FlowsContext, build_flows_context
from pulpo.generate.identifiers import Namespace
from pulpo.generate.names import (
    ROUTE_LOCALS,
    TEMPLATE_NAMES,
    class_body_names,
    imported_packages,
    local_scope,
    project_classes,
    project_namespace,
)
from pulpo.generate.output import GENERATED_MARK
from pulpo.http import query
from pulpo.validate import DataModel, Operation, ValidProject
from pulpo.validate.signature import InputField
from pulpo.validate.types import strip_annotated, strip_optional

# Query filters write dates and times as ISO-only types (pulpo.http.query).
QUERY_TYPES = {cls: ("pulpo.http.query", name) for cls, name in query.QUERY_TYPES.items()}

# Query parameters of the list route; a model field of the same name cannot be a filter.
LIST_PARAMETERS = ("limit", "skip", "sort")

# Types whose values have an order: their filters take gt, gte, lt and lte too.
ORDERED = (int, float, str, datetime.date, decimal.Decimal)  # datetime is a date

# Most sort keys one request may give (``sort=-level,name``).
MOST_SORT_KEYS = 5


@dataclass
class OperatorFilter:
    """One operator parameter of a list route: ``level__gte: int | None = Field(...)``."""

    name: str
    annotation: str
    description: str


@dataclass
class FieldContext:
    name: str
    description: str | None
    filter_annotation: str | None
    sortable: bool
    # The ``field__operator`` parameters of the list route (pulpo.data.query.OPERATORS).
    operators: list[OperatorFilter] = field(default_factory=list)
    # The field in the read schema: its type there, and the source of its default. A field
    # with a default written as a constant keeps both; any other is ``T | None = None``.
    read_type: str = ""
    read_default: str = "None"
    server_managed: bool = False  # not in the create and update schemas


@dataclass
class DeclaredField:
    """A field of a request schema written out: ``name: annotation = Field(arguments)``.

    ``arguments`` are what ``Field(...)`` is given: the default (or its factory), the
    constraints that can be restated, the description; none at all writes a bare
    annotation.
    """

    name: str
    annotation: str
    arguments: list[str]


@dataclass(frozen=True)
class RouteFunctions:
    """The route functions of one datamodel (their names are also their operationIds).

    A route the model does not serve (``@datamodel(routes=...)``) has no function: None.
    """

    create: str | None
    list: str | None
    get: str | None
    update: str | None  # PATCH
    put: str | None  # the same update, with PUT: served with "update"
    delete: str | None


@dataclass
class ModelContext:
    """One datamodel: its schema module, its router module, and every name they use.

    Every identifier here was claimed in the project's namespace (see
    :mod:`pulpo.generate.names`), so it collides with nothing the generated modules
    bind; ``name`` is the class's own name, for text.
    """

    name: str
    module: str
    collection: str
    description: str
    header: str
    route: str
    schema_module: str  # generated/schemas/<schema_module>.py
    router_module: str  # generated/routers/<router_module>.py
    model: str  # the user's class, as the generated modules import it
    import_line: str  # ``from pokemon.models import Pokemon``
    create_class: str | None  # the schema classes of the routes served; None for the others
    update_class: str | None
    read_class: str
    query_class: str | None
    sorts: bool  # whether the list route takes ``sort`` (some field is sortable)
    repository_type: str  # ``Annotated[Repository[Model], Depends(...)]``, as routes declare it
    repository_dependency: str  # the function in ``dependencies.py`` that gives the repository
    functions: "RouteFunctions"
    id_param: str
    body_param: str
    filters_method: str  # the Query's method returning the MongoDB filter
    filter_document: str  # pulpo.data.query.filter_document, as the schema module imports it
    from_record_method: str
    from_document_method: str
    fields: list[FieldContext]
    schema_imports: list[str]  # every import of the schema module
    names: dict[str, str]  # what the schema module's class bodies call Field, ConfigDict, ...
    # The CRUD routes served (of pulpo.declare.ROUTES: "create", "list", "get", "update",
    # "delete"); the router module declares only these, and imports only what they use.
    routes: tuple[str, ...] = ()
    # The create schema, when some fields are server-managed: it is written field by field
    # (``create_fields``) instead of extending the model, which would accept them all.
    create_fields: list[DeclaredField] | None = None
    # The update schema's fields: those a client may change (not the server-managed ones).
    update_fields: list[DeclaredField] = field(default_factory=list)

    @property
    def filters(self) -> list[FieldContext]:
        return [field for field in self.fields if field.filter_annotation]

    @property
    def server_managed(self) -> list[str]:
        return [field.name for field in self.fields if field.server_managed]

    @property
    def serves_items(self) -> bool:
        """Whether a route reads or writes one document by id (and may answer 404)."""
        return any(route in self.routes for route in ("get", "update", "delete"))

    @property
    def serves_writes(self) -> bool:
        """Whether a route writes fields (and may answer 409 on a unique index)."""
        return any(route in self.routes for route in ("create", "update"))

    @property
    def serves_reads(self) -> bool:
        """Whether a route answers with the read schema."""
        return any(route in self.routes for route in ("create", "list", "get", "update"))

    @property
    def fastapi_imports(self) -> list[str]:
        """What the router module imports from fastapi for the routes it serves."""
        names = ["APIRouter"]
        if self.serves_items:
            names.append("HTTPException")  # not_found
        if "list" in self.routes:
            names += ["Query", "Response"]
        if "create" in self.routes or self.serves_items:
            names.append("status")
        return names

    @property
    def item_path(self) -> str:
        return "/{" + self.id_param + "}"

    @property
    def not_found_message(self) -> str:
        """Source of the f-string that says which id was not found."""
        return 'f"' + self.name + " {" + self.id_param + '!r} not found"'

    @property
    def sort_keys(self) -> list[str]:
        return [field.name for field in self.fields if field.sortable]

    @property
    def sort_pattern(self) -> str:
        """The grammar of ``sort``: up to five declared fields, each once (see pulpo.http.query)."""
        return query.sort_grammar(self.sort_keys, MOST_SORT_KEYS)

    @property
    def sort_max_length(self) -> int:
        """The longest ``sort`` the grammar admits, checked before the pattern."""
        longest = max(len(key) for key in self.sort_keys)
        return MOST_SORT_KEYS * (longest + 2) - 1

    @property
    def sort_example(self) -> str:
        """``-level,name``: the first field descending, then the second ascending."""
        first, *rest = self.sort_keys
        return ",".join([f"-{first}", *rest[:1]])

    @property
    def sort_description(self) -> str:
        return (
            f"Order by up to {MOST_SORT_KEYS} comma-separated fields, each at most once; a "
            f"leading '-' sorts descending, e.g. '{self.sort_example}'. Fields: "
            + ", ".join(self.sort_keys)
            + "."
        )


@dataclass
class InputFieldContext:
    name: str
    annotation: str
    default: str | None  # source of the default; None when required
    constraints: list[str] = field(default_factory=list)  # the parameter's bounds, as arguments

    @property
    def arguments(self) -> list[str] | None:
        """``Field(...)``'s arguments when the parameter has bounds; None: ``= default``."""
        if not self.constraints:
            return None
        default = [] if self.default is None else [f"default={self.default}"]
        return [*default, *self.constraints]


@dataclass
class ExampleContext:
    """A named example input of an operation, normalized as the API would echo it."""

    name: str
    value: dict[str, Any]


@dataclass
class OperationContext:
    name: str
    path: str  # where the app serves it: /operations/<dotted/name>, or the declared path
    endpoint: str  # the route function's name
    module: str
    function: str
    summary: str
    description: str
    input_class: str
    input_is_user_model: bool
    inputs: list[InputFieldContext]
    output_class: str
    examples: list[ExampleContext] = field(default_factory=list)
    method: str = "POST"
    # Where the route reads the input: "body" (JSON), "query" (GET and DELETE: the
    # query string, as the input class), or "none" (no parameters: no body at all).
    reads: str = "body"
    key_parameter: str | None = None  # the function's IdempotencyKey parameter
    key_variable: str | None = None  # the route's parameter that receives the header
    key_required: bool = False  # a request without Idempotency-Key is refused (400)

    @property
    def decorator(self) -> str:
        """The router's method that declares the route: ``post``, ``get``..."""
        return self.method.lower()

    @property
    def example(self) -> dict[str, Any] | None:
        """The first example: the input used when none is given."""
        return self.examples[0].value if self.examples else None

    @property
    def openapi_examples(self) -> dict[str, dict[str, Any]]:
        """FastAPI's ``openapi_examples`` of the request body."""
        return {example.name: {"value": example.value} for example in self.examples}

    @property
    def arguments(self) -> list[str]:
        """The function's keyword arguments, read from the request body."""
        return [item.name for item in self.inputs]

    @property
    def key_argument(self) -> str | None:
        """``key=idempotency_key``: the header's value passed on, when the function takes it."""
        if self.key_parameter is None or self.key_variable is None:
            return None
        return f"{self.key_parameter}={self.key_variable}"


@dataclass
class AppContext:
    """Everything the templates of one project's generated package need."""

    project: str
    package: str
    database: str
    driver: str
    title: str
    version: str
    user_packages: list[str]
    models: list[ModelContext] = field(default_factory=list)
    operations: list[OperationContext] = field(default_factory=list)
    operations_router_imports: list[str] = field(default_factory=list)
    operations_fastapi_imports: list[str] = field(default_factory=list)  # APIRouter, Body...
    operations_key_imports: list[str] = field(default_factory=list)  # KEY_REQUIRED, KeyHeader
    # The generated input classes the operations router reads a body or a query as.
    routed_input_classes: list[str] = field(default_factory=list)
    # The project's upstreams as /health names them (``kkt_adapter.upstreams.ofd``), and the
    # modules that assign them.
    upstreams: list[str] = field(default_factory=list)
    upstream_modules: list[str] = field(default_factory=list)
    operations_schema_imports: list[str] = field(default_factory=list)
    operations_schema_names: dict[str, str] = field(default_factory=dict)  # ConfigDict, Field
    operation_modules: list[str] = field(default_factory=list)
    flows: FlowsContext | None = None  # Prefect flows of the operation hierarchy
    # Every identifier claimed on the project's behalf (see pulpo.generate.names).
    claimed: frozenset[str] = frozenset()

    @property
    def served_models(self) -> list[ModelContext]:
        """The models with at least one CRUD route: each has a router and a schema module."""
        return [model for model in self.models if model.routes]


def header(source: str) -> str:
    return (
        f"{GENERATED_MARK} {__version__} from {source}.\n"
        "# Do not edit: change the project and run `pulpo compile`."
    )


def build_context(project: ValidProject) -> AppContext:
    config = project.config
    context = AppContext(
        project=config.name,
        package=config.output,
        database=config.database,
        driver=config.driver,
        title=pascal_case(config.name) + " API",
        version=__version__,
        user_packages=list(config.packages),
    )
    names = project_namespace(project)
    # Module files: apart from the project's names (a file name binds nothing), except that
    # app.py imports every router module by name.
    routers = Namespace(TEMPLATE_NAMES | imported_packages(project) | set(project_classes(project)))
    schemas = Namespace({"flows", "operations"})
    context.models = [_model_context(model, names, routers, schemas) for model in project.models]
    _add_operations(context, project.operations, names)
    for found in project.upstreams:
        context.upstreams.append(f"{found.module}.{found.variable}")
        if found.module not in context.upstream_modules:
            context.upstream_modules.append(found.module)
    context.flows = build_flows_context(project, context.operations, names)
    context.claimed = frozenset(names.claimed() | routers.claimed())
    return context


def _model_context(
    model: DataModel,
    names: Namespace,
    routers: Namespace,
    schemas: Namespace,
) -> ModelContext:
    imports = Imports(names)
    local = imports.add(model.cls.__module__, model.name)
    import_line = Imports(names)
    import_line.add(model.cls.__module__, model.name)
    body = class_body_names(imports, "Any", "ConfigDict", "Field", "Mapping", "Record", "Self")
    routes = model.routes
    fields = []
    for item in model.fields:
        # A name holding "__" could be read as field__operator: it is no filter.
        filterable = item.scalar and item.name not in LIST_PARAMETERS and "__" not in item.name
        default = _constant_default(model.cls.model_fields[item.name])
        read_type = item.annotation if default is not None else optional(item.annotation)
        fields.append(
            FieldContext(
                name=item.name,
                description=item.description,
                filter_annotation=(
                    render_annotation(optional(item.annotation), imports, instead=QUERY_TYPES)
                    if filterable
                    else None
                ),
                sortable=item.scalar,
                read_type=render_annotation(read_type, imports),
                read_default=render_literal(default[0], imports) if default else "None",
                server_managed=item.server_managed,
                operators=_operator_filters(item.name, item.annotation, imports)
                if filterable and "list" in routes
                else [],
            )
        )
    sortable = any(field.sortable for field in fields)
    filter_document = imports.add("pulpo.data.query", "filter_document") if "list" in routes else ""
    create_fields = None
    if "create" in routes and any(item.server_managed for item in model.fields):
        create_fields = [
            _create_field(item.name, model.cls.model_fields[item.name], imports)
            for item in model.writable_fields
        ]
    update_fields = []
    if "update" in routes:
        update_fields = [
            _update_field(item.name, model.cls.model_fields[item.name], imports)
            for item in model.writable_fields
        ]
    field_names = {item.name for item in model.fields}
    schema_module = schemas.claim(snake_case(model.name))
    served = {verb: verb in routes for verb in ("create", "list", "get", "update", "delete")}
    served["put"] = served["update"]
    functions = RouteFunctions(
        *(
            names.claim(f"{verb}_{model.collection if verb == 'list' else schema_module}")
            if served[verb]
            else None
            for verb in ("create", "list", "get", "update", "put", "delete")
        )
    )

    def schema_class(kind: str, wanted: bool = True) -> str | None:
        return names.claim(f"{model.name}{kind}") if wanted else None

    create_class = schema_class("Create", served["create"])
    update_class = schema_class("Update", served["update"])
    read_class = names.claim(f"{model.name}Read")
    query_class = schema_class("Query", served["list"])
    repository_type = names.claim(f"{model.name}Repository")  # every model's, dependencies.py
    repository_dependency = names.claim(f"{schema_module}_repository")
    route = local_scope(names, ROUTE_LOCALS)  # the route functions' parameters
    return ModelContext(
        name=model.name,
        module=model.module,
        collection=model.collection,
        description=model.description,
        header=header(f"{model.module}.{model.name}"),
        route="/" + model.collection,
        schema_module=schema_module,
        router_module=routers.claim(model.collection),
        model=local,
        import_line=import_line.lines()[0],
        create_class=create_class,
        update_class=update_class,
        read_class=read_class,
        query_class=query_class,
        sorts=served["list"] and sortable,
        filter_document=filter_document,
        repository_type=repository_type,
        repository_dependency=repository_dependency,
        functions=functions,
        id_param=route.claim(f"{schema_module}_id"),
        body_param=route.claim(schema_module),
        filters_method=_method("filters", field_names | {"limit", "skip", "sort"}),
        from_record_method=_method("from_record", field_names | {"id"}),
        from_document_method=_method("from_document", field_names | {"id"}),
        fields=fields,
        schema_imports=imports.lines(),
        names=body,
        routes=routes,
        create_fields=create_fields,
        update_fields=update_fields,
    )


def _operator_filters(name: str, annotation: Any, imports: Imports) -> list[OperatorFilter]:
    """The ``name__operator`` parameters of a filterable field, typed by the field.

    Every field takes ne, in, nin and exists; ordered types (numbers, dates, strings)
    gt, gte, lt and lte too; strings a bounded regex (:data:`pulpo.http.query.Regex`).
    """
    value = render_annotation(optional(annotation), imports, instead=QUERY_TYPES)
    item = render_annotation(strip_optional(annotation), imports, instead=QUERY_TYPES)
    base = strip_optional(strip_annotated(annotation))
    is_type = isinstance(base, type) and not issubclass(base, enum.Enum | bool)
    ordered = is_type and issubclass(base, ORDERED)
    values = imports.add("pulpo.http.query", "CommaSeparated")
    operators = [
        OperatorFilter("ne", value, f"Only documents whose {name} differs from this value.")
    ]
    if ordered:
        operators += [
            OperatorFilter(suffix, value, f"Only documents whose {name} is {relation} this value.")
            for suffix, relation in (
                ("gt", "greater than"),
                ("gte", "greater than or equal to"),
                ("lt", "less than"),
                ("lte", "less than or equal to"),
            )
        ]
    operators += [
        OperatorFilter(
            suffix,
            f"{values}[{item}] | None",
            f"Only documents whose {name} is {which} these values: comma-separated (or the "
            f"parameter repeated), at most {query.MAX_VALUES}.",
        )
        for suffix, which in (("in", "one of"), ("nin", "none of"))
    ]
    operators.append(
        OperatorFilter(
            "exists",
            "bool | None",
            f"true: only documents where {name} is stored (null included); false: only "
            "those without it.",
        )
    )
    if is_type and issubclass(base, str):
        operators.append(
            OperatorFilter(
                "regex",
                f"{imports.add('pulpo.http.query', 'Regex')} | None",
                f"Only documents whose {name} matches this regular expression: anchored with "
                f"'^', at most {query.MAX_REGEX_LENGTH} characters of literals, escapes, '.' "
                "and sets without ranges, at most three of '*', '+', '?', no groups.",
            )
        )
    for operator in operators:
        operator.name = f"{name}__{operator.name}"
    return operators


def _create_field(name: str, info: FieldInfo, imports: Imports) -> DeclaredField:
    """A field of a create schema written out: the model's type, default and constraints.

    The route builds the model from what the client sent (``exclude_unset``), so the
    model's own defaults, validators and constraints apply; the schema restates them
    for the OpenAPI. A default that cannot be written (a computed one whose factory
    cannot be imported, a value whose ``repr`` is not source) becomes ``T | MISSING =
    MISSING``: left out, the model's default fills the field.
    """
    arguments: list[str] = []
    annotation = info.annotation
    default = _constant_default(info)
    factory = _factory_source(info, imports)
    if default is not None:
        arguments.append(f"default={render_literal(default[0], imports)}")
    elif factory is not None:
        arguments.append(f"default_factory={factory}")
    elif not info.is_required():
        return _absent_unless_given(name, info, imports)
    arguments += constraint_arguments(info.metadata)
    if info.description:
        arguments.append(f"description={info.description!r}")
    return DeclaredField(name, render_annotation(annotation, imports), arguments)


def _update_field(name: str, info: FieldInfo, imports: Imports) -> DeclaredField:
    """A field of an update schema: the model's type and constraints, absent unless sent."""
    return _absent_unless_given(name, info, imports)


def _absent_unless_given(name: str, info: FieldInfo, imports: Imports) -> DeclaredField:
    """``name: T | MISSING = Field(default=MISSING, ...)``: optional, yet never null for it.

    pydantic's ``MISSING`` is absent from the JSON schema and from ``model_dump``, so
    the field is documented as ``T`` (nullable only where the model takes null) and
    a field left out of the request is left out of what the route writes.
    """
    missing = class_body_names(imports, "MISSING")["MISSING"]
    arguments = [f"default={missing}", *constraint_arguments(info.metadata)]
    if info.description:
        arguments.append(f"description={info.description!r}")
    return DeclaredField(
        name, f"{render_annotation(info.annotation, imports)} | {missing}", arguments
    )


def _factory_source(info: FieldInfo, imports: Imports) -> str | None:
    """The name a ``default_factory`` is written with (``list``, an imported function)."""
    factory: Callable[..., Any] | None = info.default_factory
    if factory is None or info.default_factory_takes_validated_data:
        return None
    module, name = getattr(factory, "__module__", None), getattr(factory, "__qualname__", "")
    if module == "builtins" and name in ("list", "dict", "set", "frozenset", "tuple"):
        return name
    if not module or not name.isidentifier():  # a lambda, a nested function, a bound method
        return None
    if getattr(sys.modules.get(module), name, None) is not factory:
        return None
    return imports.add(module, name)


def _method(name: str, attributes: set[str]) -> str:
    """A method's name in a class whose attributes (fields) are ``attributes``."""
    return Namespace(attributes | {"model_config"}).claim(name)


def _constant_default(info: FieldInfo) -> tuple[Any] | None:
    """``(default,)`` when a field's default can be written as a constant; None otherwise.

    None for a required field, for a default computed when a model is made
    (``default_factory``), and for one whose ``repr`` is not source (a date, a model).
    """
    if info.is_required() or info.default_factory is not None:
        return None
    default = info.default
    return (default,) if isinstance(default, enum.Enum) or _is_literal(default) else None


def _is_literal(value: Any) -> bool:
    """Whether ``repr(value)`` is Python source that gives ``value`` back."""
    if value is None or type(value) in (bool, int, str, bytes):
        return True
    if type(value) is float:
        return math.isfinite(value)
    if type(value) in (list, tuple):
        return all(_is_literal(item) for item in value)
    if type(value) is dict:
        return all(type(key) is str and _is_literal(item) for key, item in value.items())
    return False


def _add_operations(
    context: AppContext, operations: tuple[Operation, ...], names: Namespace
) -> None:
    """Operation endpoints share one router module and one schemas module."""
    router_imports, schema_imports = Imports(names), Imports(names)
    short_names = [operation.short_name for operation in operations]
    constrained = False  # some parameter has bounds: the schemas module needs Field
    packages = {operation.module.split(".")[0] for operation in operations}
    for operation in operations:
        unique_short = short_names.count(operation.short_name) == 1
        name = operation.name
        base = pascal_case(operation.short_name if unique_short else name.replace(".", "_"))
        if operation.input_model is not None:
            input_class = router_imports.add_type(operation.input_model)
        else:
            input_class = names.claim(base + "Input", key=("operation input", name))
        reads = _reads(operation)
        inputs = [
            _input_field(item, schema_imports, query=reads == "query")
            for item in operation.parameters
        ]
        if any(item.constraints for item in inputs):
            constrained = True
        description = operation.description or f"Run the {name} operation."
        # The route function's own parameters: the key's may meet nothing it refers to.
        route = local_scope(names, {"body", "query"}, packages)
        context.operations.append(
            OperationContext(
                name=name,
                path=operation.path,
                method=operation.method,
                reads=reads,
                key_parameter=operation.key_parameter,
                key_variable=route.claim("idempotency_key") if operation.key_parameter else None,
                key_required=operation.key_required,
                endpoint=names.claim(name.replace(".", "_"), key=("operation", name)),
                module=operation.module,
                function=operation.function,
                summary=description.splitlines()[0].rstrip("."),
                description=description,
                input_class=input_class,
                input_is_user_model=operation.input_model is not None,
                inputs=inputs,
                output_class=router_imports.add_type(operation.output),
                examples=[ExampleContext(item.name, item.value) for item in operation.examples],
            )
        )
        if operation.module not in context.operation_modules:
            context.operation_modules.append(operation.module)
    if any(not operation.input_is_user_model for operation in context.operations):
        needed = ["ConfigDict", *(["Field"] * constrained)]
        context.operations_schema_names = class_body_names(schema_imports, *needed)
    context.operations_router_imports = router_imports.lines()
    context.operations_schema_imports = schema_imports.lines()
    served = context.operations
    fastapi = ["APIRouter"]
    if any(item.examples and item.reads == "body" for item in served):
        fastapi.append("Body")
    if any(item.reads == "query" for item in served):
        fastapi.append("Query")
    context.operations_fastapi_imports = fastapi
    context.routed_input_classes = [
        item.input_class for item in served if not item.input_is_user_model and item.reads != "none"
    ]
    context.operations_key_imports = [
        *(["KEY_REQUIRED"] * any(item.key_required and not item.key_parameter for item in served)),
        *(["KeyHeader"] * any(item.key_parameter for item in served)),
    ]


def _reads(operation: Operation) -> str:
    """Where the route reads the operation's input: ``body``, ``query`` or ``none``."""
    if operation.method in ("GET", "DELETE"):
        return "query" if operation.parameters else "none"
    if operation.input_model is None and not operation.parameters:
        return "none"
    return "body"


def _input_field(item: InputField, imports: Imports, *, query: bool) -> InputFieldContext:
    """A parameter as a field of the operation's input class.

    Read from a query string, dates and times are ISO 8601 only (as the list routes'
    filters), and an integer without bounds of its own is bounded to BSON's 64 bits:
    a query is not JSON, which the body's rules (:mod:`pulpo.http.values`) check.
    """
    metadata = FieldInfo.from_annotation(item.annotation).metadata
    constraints = constraint_arguments(metadata)
    if query and strip_optional(strip_annotated(item.annotation)) is int:
        if not any(argument.startswith(("ge=", "gt=")) for argument in constraints):
            constraints.append("ge=-(2**63)")
        if not any(argument.startswith(("le=", "lt=")) for argument in constraints):
            constraints.append("le=2**63 - 1")
    return InputFieldContext(
        name=item.name,
        annotation=render_annotation(
            item.annotation, imports, instead=QUERY_TYPES if query else {}
        ),
        default=None if item.required else render_literal(item.default, imports),
        constraints=constraints,
    )
