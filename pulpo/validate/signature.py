"""What an operation takes and returns, read from its signature.

An operation takes either plain parameters, from which the generated app builds
a request model (``trainer_name: str, region: Region`` → ``TrainerCreateInput``),
or exactly one pydantic model, which is the request body as it is. It returns a
pydantic model, which is the response body. A parameter annotated
:data:`pulpo.IdempotencyKey` is neither: it receives the request's
``Idempotency-Key`` header, so it is left out of the request model (and an operation
that takes one model besides it still takes that model as its body).
"""

import enum
import inspect
import typing
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from pulpo.declare import OperationSpec
from pulpo.declare.operations import FromHeader
from pulpo.validate.diagnostics import Code
from pulpo.validate.types import is_model, strip_annotated, unsupported_reason

REQUIRED = inspect.Parameter.empty
KEY_HEADER = "Idempotency-Key"  # the one header a parameter may be read from
_LITERAL_DEFAULTS = (type(None), bool, int, float, str)


@dataclass(frozen=True)
class InputField:
    name: str
    annotation: Any
    default: Any = REQUIRED

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class OperationSignature:
    inputs: tuple[InputField, ...]
    input_model: type[BaseModel] | None
    output: type[BaseModel]
    key_parameter: str | None = None  # the IdempotencyKey parameter, if there is one


@dataclass(frozen=True)
class SignatureProblem:
    code: Code
    message: str
    member: str | None = None  # the parameter at fault; None for the return annotation
    at_returns: bool = False


def read_signature(spec: OperationSpec) -> tuple[OperationSignature | None, list[SignatureProblem]]:
    """The operation's inputs and output, or the problems that prevent reading them."""
    function = spec.function
    problems: list[SignatureProblem] = []
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError) as error:
        return None, [SignatureProblem(Code.UNSUPPORTED_PARAMETER, str(error))]
    fields: list[InputField] = []
    key_parameter: str | None = None
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            problems.append(
                _problem(
                    Code.UNSUPPORTED_PARAMETER,
                    parameter,
                    "*args and **kwargs cannot be request fields",
                )
            )
            continue
        if parameter.kind is parameter.POSITIONAL_ONLY:
            problems.append(
                _problem(
                    Code.UNSUPPORTED_PARAMETER,
                    parameter,
                    "positional-only parameters cannot be request fields",
                )
            )
            continue
        if parameter.annotation is REQUIRED:
            problems.append(
                _problem(Code.MISSING_PARAMETER_TYPE, parameter, "has no type annotation")
            )
            continue
        annotation, unknown = evaluate(parameter.annotation, function)
        if unknown:
            problems.append(_problem(Code.UNKNOWN_MODEL, parameter, unknown))
            continue
        if (header := header_of(annotation)) is not None:
            if problem := _key_problem(header, annotation, parameter, key_parameter):
                problems.append(_problem(Code.UNSUPPORTED_PARAMETER, parameter, problem))
            else:
                key_parameter = parameter.name
            continue
        if reason := unsupported_reason(annotation):
            problems.append(_problem(Code.UNSUPPORTED_FIELD_TYPE, parameter, reason))
            continue
        if parameter.default is not REQUIRED and not _is_literal_default(parameter.default):
            problems.append(
                _problem(
                    Code.UNSUPPORTED_DEFAULT,
                    parameter,
                    f"default {parameter.default!r} is not a literal or Enum member",
                )
            )
            continue
        fields.append(InputField(parameter.name, annotation, parameter.default))

    output = _read_output(function, signature, problems)
    if problems or output is None:
        return None, problems
    only = fields[0] if len(fields) == 1 else None
    if only is not None and is_model(strip_annotated(only.annotation)) and only.required:
        return OperationSignature((), strip_annotated(only.annotation), output, key_parameter), []
    return OperationSignature(tuple(fields), None, output, key_parameter), []


def header_of(annotation: Any) -> str | None:
    """The header an ``Annotated[..., FromHeader(name)]`` parameter is read from, if any."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    marks = [mark for mark in annotation.__metadata__ if isinstance(mark, FromHeader)]
    return marks[0].header if marks else None


def _key_problem(
    header: str, annotation: Any, parameter: inspect.Parameter, key_parameter: str | None
) -> str | None:
    if header != KEY_HEADER:
        return f"reads the header {header!r}; only {KEY_HEADER} (IdempotencyKey) is supported"
    if key_parameter is not None:
        return f"is a second IdempotencyKey parameter (after {key_parameter!r})"
    if strip_annotated(annotation) is not str:
        return "must be annotated IdempotencyKey (a str)"
    if parameter.default is not REQUIRED:
        return "takes no default: an IdempotencyKey parameter makes the header required"
    return None


def evaluate(annotation: Any, function: Any) -> tuple[Any, str | None]:
    """Resolve a possibly stringified annotation in the function's module."""
    holder = SimpleNamespace(__annotations__={"value": annotation})
    try:
        hints = typing.get_type_hints(
            holder, globalns=getattr(function, "__globals__", {}), include_extras=True
        )
    except NameError as error:
        return None, f"unknown type {error.name!r}" if error.name else str(error)
    except Exception as error:  # noqa: BLE001 - a broken annotation is the user's to fix
        return None, f"annotation cannot be evaluated: {error}"
    return hints["value"], None


def _read_output(
    function: Any, signature: inspect.Signature, problems: list[SignatureProblem]
) -> type[BaseModel] | None:
    annotation = signature.return_annotation
    if annotation is REQUIRED or annotation is None or annotation == "None":
        problems.append(
            SignatureProblem(
                Code.MISSING_RETURN_TYPE,
                "must declare its result, e.g. '-> CatchResult' (a pydantic model)",
                at_returns=True,
            )
        )
        return None
    resolved, error = evaluate(annotation, function)
    if error:
        problems.append(
            SignatureProblem(Code.UNKNOWN_MODEL, f"return type: {error}", at_returns=True)
        )
        return None
    resolved = strip_annotated(resolved)
    if not is_model(resolved):
        problems.append(
            SignatureProblem(
                Code.INVALID_RETURN_TYPE,
                f"returns {resolved!r}; an operation must return a pydantic model",
                at_returns=True,
            )
        )
        return None
    if reason := unsupported_reason(resolved):
        problems.append(
            SignatureProblem(Code.UNSUPPORTED_FIELD_TYPE, f"return type {reason}", at_returns=True)
        )
        return None
    return resolved


def _problem(code: Code, parameter: inspect.Parameter, message: str) -> SignatureProblem:
    return SignatureProblem(code, f"parameter {parameter.name!r} {message}", member=parameter.name)


def _is_literal_default(value: Any) -> bool:
    return type(value) in _LITERAL_DEFAULTS or isinstance(value, enum.Enum)


def input_model(name: str, signature: OperationSignature) -> type[BaseModel]:
    """The request model of an operation, as the generated app declares it.

    The operation's one pydantic-model parameter, or a model built from its
    parameters (unknown fields forbidden, defaults kept).
    """
    if signature.input_model is not None:
        return signature.input_model
    fields: dict[str, Any] = {
        item.name: (item.annotation, ... if item.required else item.default)
        for item in signature.inputs
    }
    return create_model(f"{name}.input", __config__=ConfigDict(extra="forbid"), **fields)


def example_problems(spec: OperationSpec, signature: OperationSignature) -> list[str]:
    """Why each of the operation's ``examples`` is not a valid input; empty when all are."""
    if not spec.examples:
        return []
    model = input_model(spec.name, signature)
    problems = []
    for name, example in spec.examples:
        if not isinstance(example, dict):
            problems.append(f"example {name!r} must be a dict of inputs, not {example!r:.60}")
            continue
        try:
            model.model_validate(example)
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"]) or "input"
            problems.append(f"example {name!r} is not a valid input: {where}: {first['msg']}")
    return problems
