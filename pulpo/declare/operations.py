"""``@operation``: mark an async function as a named step of the domain's workflow."""

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

_ATTRIBUTE = "__pulpo_operation__"

FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])


@dataclass(frozen=True)
class OperationSpec:
    """What ``@operation`` recorded about one function.

    ``after`` holds the names exactly as written (a sibling's last name part or
    its full dotted name); :mod:`pulpo.discover` resolves them.
    ``inputs`` maps one of this operation's parameters to ``"stage.field"``: the
    field of a preceding stage's output that feeds it when the operations run as
    a flow.
    """

    function: Callable[..., Any]
    name: str
    description: str
    after: tuple[str, ...] = ()
    retries: int = 0
    retry_delay_seconds: float = 0.0
    timeout: float | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)

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
    description: str | None = None,
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
        )
        setattr(function, _ATTRIBUTE, spec)
        return function

    return mark


def operation_spec(obj: object) -> OperationSpec | None:
    """The spec ``@operation`` attached to ``obj``, if any."""
    spec = getattr(obj, _ATTRIBUTE, None) if callable(obj) else None
    return spec if isinstance(spec, OperationSpec) else None
