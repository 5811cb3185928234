"""``@operation``: mark an async function as a named step of the domain's workflow."""

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

if TYPE_CHECKING:
    from pulpo.declare.settings import Setting

_ATTRIBUTE = "__pulpo_operation__"

FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])

Idempotency = Literal["optional", "required"]
"""Whether a request to the operation must carry an ``Idempotency-Key`` header."""


@dataclass(frozen=True)
class FromHeader:
    """Metadata of a parameter filled from a request header instead of the body."""

    header: str


IdempotencyKey = Annotated[str, FromHeader("Idempotency-Key")]
"""A parameter of this type receives the request's ``Idempotency-Key`` (required then)."""


@dataclass(frozen=True)
class OperationSpec:
    """What ``@operation`` recorded about one function.

    ``after`` holds the names exactly as written (a sibling's last name part or
    its full dotted name); :mod:`pulpo.discover` resolves them.
    ``inputs`` maps one of this operation's parameters to ``"stage.field"``: the
    field of a preceding stage's output that feeds it when the operations run as
    a flow. ``examples`` are named example inputs, as written (validated later).
    """

    function: Callable[..., Any]
    name: str
    description: str
    after: tuple[str, ...] = ()
    retries: int = 0
    retry_delay_seconds: float = 0.0
    timeout: float | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)
    examples: tuple[tuple[str, Any], ...] = ()
    # Where it is served: POST /operations/<dotted/name> unless the project says otherwise.
    method: str | None = None
    path: str | None = None
    idempotency: "Idempotency" = "optional"
    # Seconds between scheduled runs in the flows container (a number or a setting).
    schedule: "float | Setting[float] | None" = None

    @property
    def parts(self) -> list[str]:
        return self.name.split(".")

    @property
    def parent(self) -> str:
        """The hierarchy node this operation belongs to: ``pokemon.management``."""
        return self.name.rpartition(".")[0]

    @property
    def short_name(self) -> str:
        return self.name.rpartition(".")[2]


def operation(
    name: str,
    *,
    after: str | Sequence[str] = (),
    retries: int = 0,
    retry_delay_seconds: float = 0.0,
    timeout: float | None = None,
    inputs: Mapping[str, str] | None = None,
    examples: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]] = (),
    description: str | None = None,
    method: str | None = None,
    path: str | None = None,
    idempotency: "Idempotency" = "optional",
    schedule: "float | Setting[float] | None" = None,
) -> Callable[[FunctionT], FunctionT]:
    """Declare an async function as the operation ``name``.

    ``name`` is dotted and hierarchical (``"pokemon.management.catch"``): every
    prefix is a group of operations, and becomes a flow that runs its children.
    The request body is built from the function's parameters (or is the one
    pydantic model parameter), the response is its return annotation, and the
    description is its docstring::

        @operation("pokemon.evolution.stage2", after="stage1",
                   inputs={"pokemon_name": "stage1.evolved_name"})
        async def stage2(pokemon_name: str) -> Evolution:
            \"\"\"Evolve a first-stage Pokemon into its final form.\"\"\"

    ``after`` names sibling operations that must finish first; siblings with no
    order between them may run concurrently. ``retries``, ``retry_delay_seconds``
    and ``timeout`` (seconds) are applied when the operation runs in a flow.

    ``examples`` are example inputs, as JSON-like dicts: a list, or a mapping
    of names to inputs. They are the request examples of the operation's
    OpenAPI, and the first one is the input ``pulpo ops run``, ``pulpo flows run``
    and the served flow deployments use when none is given::

        @operation("pokemon.management.catch",
                   examples=[{"trainer_name": "Ash", "pokemon_name": "Pikachu",
                              "element": "Electric"}])

    ``method`` and ``path`` serve it elsewhere than ``POST /operations/<name>``: at
    ``GET /v1/kkt/buffer/status``, say (a ``GET`` takes its parameters from the query
    string, so they must be scalars). ``idempotency="required"`` answers 400 to a
    request without an ``Idempotency-Key`` header; a parameter annotated
    :data:`IdempotencyKey` receives the header's value. ``schedule`` runs the operation
    every so many seconds (a number or a :func:`pulpo.setting`) as a Prefect
    deployment of the flows container; its route still triggers it by hand.

    The function is returned unchanged but for one attribute.
    """

    def mark(function: FunctionT) -> FunctionT:
        spec = OperationSpec(
            function=function,
            name=name,
            description=description or inspect.cleandoc(function.__doc__ or ""),
            after=(after,) if isinstance(after, str) else tuple(after),
            retries=retries,
            retry_delay_seconds=retry_delay_seconds,
            timeout=timeout,
            inputs=dict(inputs or {}),
            examples=_named(examples),
            method=method,
            path=path,
            idempotency=idempotency,
            schedule=schedule,
        )
        setattr(function, _ATTRIBUTE, spec)
        return function

    return mark


def _named(examples: Any) -> tuple[tuple[str, Any], ...]:
    """``[{...}, {...}]`` → ``(("example 1", {...}), ...)``; a mapping keeps its names.

    Nothing is checked here: validation reports an example that is not a valid input.
    """
    if isinstance(examples, Mapping):
        return tuple((str(name), value) for name, value in examples.items())
    if isinstance(examples, str | bytes) or not isinstance(examples, Sequence):
        return (("example 1", examples),)  # not a list: validation says so
    return tuple((f"example {number}", value) for number, value in enumerate(examples, 1))


def operation_spec(obj: object) -> OperationSpec | None:
    """The spec ``@operation`` attached to ``obj``, if any."""
    spec = getattr(obj, _ATTRIBUTE, None) if callable(obj) else None
    return spec if isinstance(spec, OperationSpec) else None
