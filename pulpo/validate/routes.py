"""The rules of where an operation is served: ``@operation(method=, path=, idempotency=)``.

An operation is served at ``POST /operations/<dotted/name>`` unless it says
otherwise (``method="GET", path="/v1/kkt/buffer/status"``). Then:

- the method is ``GET``, ``POST``, ``PUT``, ``PATCH`` or ``DELETE``;
- the path is a URL path (:mod:`pulpo.validate.paths`) that no other route of the
  app answers: not a datamodel's collection (``/pokemons``, ``/pokemons/{id}``),
  not the app's own (``/health``, ``/operations/...``, ``/flows/...``, ``/docs``,
  ``/redoc``, ``/openapi.json``), not another operation's with the same method;
- a ``GET`` or ``DELETE`` takes no body, so its parameters are query parameters:
  scalars (``str``, ``int``, an enum...), not a model or a list;
- ``idempotency="required"`` and an :data:`pulpo.IdempotencyKey` parameter are for
  ``POST`` only, where idempotency keys apply.

Each problem is at the operation's decorator, or at the parameter at fault.
"""

import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import get_args

from pulpo.declare.operations import Idempotency
from pulpo.discover.project import DiscoveredModel, DiscoveredOperation, Location, Project
from pulpo.discover.source import locate
from pulpo.validate.diagnostics import Code, Diagnostic
from pulpo.validate.paths import method_problem, path_problem
from pulpo.validate.signature import OperationSignature, SignatureProblem
from pulpo.validate.types import is_scalar

# The first segments of the paths the generated app serves itself (docs' assets included).
APP_PATHS = frozenset(
    {"health", "operations", "flows", "docs", "redoc", "openapi.json", "static-offline-docs"}
)
QUERY_METHODS = frozenset({"GET", "DELETE"})  # no body: the parameters are the query string

Signatures = Callable[
    [DiscoveredOperation], tuple[OperationSignature | None, list[SignatureProblem]]
]


def check_routes(
    project: Project, operations: Sequence[DiscoveredOperation], signatures: Signatures
) -> Iterator[Diagnostic]:
    """Every problem of where ``operations`` (those with valid names) are served."""
    collections = {model.spec.collection: model for model in project.models if model.spec.routes}
    served: dict[tuple[str, str], DiscoveredOperation] = {}
    for operation in operations:
        spec = operation.spec

        def here(member: str | None = None, op: DiscoveredOperation = operation) -> Location:
            at = "def" if member else "decorator"
            return Location(op.file, locate(op.file, op.spec.function.__name__, member, at=at))

        method = spec.method or "POST"
        if problem := method_problem(method):
            yield Diagnostic(here(), Code.INVALID_ROUTE_METHOD, f"{spec.name}: {problem}")
            continue
        if spec.path is not None:
            if problem := path_problem(spec.path):
                yield Diagnostic(here(), Code.INVALID_ROUTE_PATH, f"{spec.name}: {problem}")
                continue
            if clash := _served_by_app(spec.path, collections):
                yield Diagnostic(
                    here(), Code.ROUTE_CLASH, f"{spec.name}: {spec.path} is {clash}; choose another"
                )
                continue
        path = spec.path or "/operations/" + spec.name.replace(".", "/")
        first = served.setdefault((method, path), operation)
        if first is not operation and first.spec.name != spec.name:  # else DUPLICATE_OPERATION
            yield Diagnostic(
                here(),
                Code.ROUTE_CLASH,
                f"{spec.name}: {method} {path} is already the route of {first.spec.name} "
                f"({_decorator(first)})",
            )
        yield from _check_idempotency(operation, method, here, signatures)
        if method in QUERY_METHODS:
            yield from _check_query(operation, method, here, signatures)


def _decorator(operation: DiscoveredOperation) -> Location:
    return Location(operation.file, locate(operation.file, operation.spec.function.__name__))


def _served_by_app(path: str, collections: dict[str, DiscoveredModel]) -> str | None:
    """What the app serves at ``path`` already, in words; None when nothing does."""
    first = path.split("/")[1]
    if first in APP_PATHS:
        return f"under /{first}, which the generated app serves itself"
    if first in collections:
        model = collections[first].spec.name
        return f"under /{first}, the routes of the datamodel {model}"
    return None


def _check_idempotency(
    operation: DiscoveredOperation,
    method: str,
    here: Callable[..., Location],
    signatures: Signatures,
) -> Iterator[Diagnostic]:
    spec = operation.spec
    if spec.idempotency not in get_args(Idempotency):
        yield Diagnostic(
            here(),
            Code.INVALID_IDEMPOTENCY,
            f"{spec.name}: idempotency={spec.idempotency!r} must be 'optional' or 'required'",
        )
    elif spec.idempotency == "required" and method != "POST":
        yield Diagnostic(
            here(),
            Code.INVALID_IDEMPOTENCY,
            f"{spec.name}: idempotency='required' is for POST operations only "
            f"(idempotency keys apply to POST; {method} is served as it is)",
        )
    signature, _ = signatures(operation)
    if signature is not None and signature.key_parameter and method != "POST":
        yield Diagnostic(
            here(signature.key_parameter),
            Code.INVALID_IDEMPOTENCY,
            f"{spec.name}: parameter {signature.key_parameter!r} is an IdempotencyKey, "
            f"which only a POST operation receives ({method} takes no Idempotency-Key)",
        )


def _check_query(
    operation: DiscoveredOperation,
    method: str,
    here: Callable[..., Location],
    signatures: Signatures,
) -> Iterator[Diagnostic]:
    spec = operation.spec
    signature, _ = signatures(operation)
    if signature is None:
        return
    if signature.input_model is not None:
        parameter = next(
            name for name in _parameter_names(operation) if name != signature.key_parameter
        )
        yield Diagnostic(
            here(parameter),
            Code.QUERY_PARAMETER_NOT_SCALAR,
            f"{spec.name}: a {method} operation takes its parameters from the query string; "
            f"{parameter!r} is a model (take its fields as scalar parameters, or use POST)",
        )
        return
    for item in signature.inputs:
        if not is_scalar(item.annotation):
            yield Diagnostic(
                here(item.name),
                Code.QUERY_PARAMETER_NOT_SCALAR,
                f"{spec.name}: a {method} operation takes its parameters from the query "
                f"string; {item.name!r} is not a scalar (str, int, float, bool, a date, an "
                "enum...)",
            )


def _parameter_names(operation: DiscoveredOperation) -> list[str]:
    return list(inspect.signature(operation.spec.function).parameters)
