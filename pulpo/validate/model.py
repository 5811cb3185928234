"""The validated project: everything later stages need, worked out once.

:func:`pulpo.validate.validate` checks a discovered project and, when nothing is
wrong, hands on a :class:`ValidProject`: every datamodel with its fields, every
operation with its signature read, its request model built, its examples checked,
its ``after=`` names resolved and what feeds its inputs decided, and the hierarchy
of groups with their stages. Generation, Mermaid and the ``run`` commands read only
this; none of them reads a signature or resolves a name again, and none can be
given a project that was not validated (there is no other way to make one).

This is what openapi-python-client's ``GeneratorData`` is to its templates, and
what FastAPI's ``Dependant`` is to a route: the analysis, done once.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pulpo.declare import ROUTES, Index, OperationSpec, Route
from pulpo.discover.config import ProjectConfig
from pulpo.discover.project import DiscoveredSetting, DiscoveredUpstream
from pulpo.validate.signature import InputField


@dataclass(frozen=True)
class ModelField:
    """One field of a datamodel."""

    name: str
    annotation: Any
    description: str | None
    required: bool  # no default: a stored document may still lack it
    scalar: bool  # one comparable value: an equality filter and a sort key
    server_managed: bool = False  # operations write it: not in create and update bodies


@dataclass(frozen=True)
class DataModel:
    """A ``@datamodel``: a pydantic model stored in its own collection."""

    cls: type[BaseModel]
    module: str
    file: Path
    collection: str
    description: str
    indexes: tuple[Index, ...]
    fields: tuple[ModelField, ...]
    routes: tuple[Route, ...] = ROUTES  # the CRUD routes the app serves, in ROUTES' order

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def writable_fields(self) -> tuple[ModelField, ...]:
        """The fields a client may set: every field but the server-managed ones."""
        return tuple(field for field in self.fields if not field.server_managed)


@dataclass(frozen=True)
class Example:
    """A named example input, normalized as the request model reads it (JSON values)."""

    name: str
    value: dict[str, Any]


@dataclass(frozen=True)
class Feed:
    """In a group's flow, ``parameter`` takes ``field`` of the output of ``source``."""

    parameter: str
    source: str  # the full name of a preceding operation
    field: str


@dataclass(frozen=True)
class Operation:
    """An ``@operation`` with its signature read and its place in the hierarchy resolved."""

    spec: OperationSpec
    module: str
    file: Path
    parameters: tuple[InputField, ...]  # empty when the input is the user's own model
    input_model: type[BaseModel] | None  # the one pydantic-model parameter, if that is the form
    request_model: type[BaseModel]  # what a request body validates against
    output: type[BaseModel]
    examples: tuple[Example, ...]
    after: tuple[str, ...]  # full names of the siblings it waits for
    feeds: tuple[Feed, ...]  # what earlier steps of its group give it
    fully_fed: bool  # every required parameter is fed: its group may be run without it
    key_parameter: str | None = None  # the IdempotencyKey parameter: the header's value

    @property
    def method(self) -> str:
        """The HTTP method it is served with: ``POST`` unless declared."""
        return self.spec.method or "POST"

    @property
    def path(self) -> str:
        """Where it is served: the declared path, else ``/operations/<dotted/name>``."""
        return self.spec.path or "/operations/" + self.name.replace(".", "/")

    @property
    def key_required(self) -> bool:
        """Whether a request without an ``Idempotency-Key`` header is refused (400)."""
        return self.spec.idempotency == "required" or self.key_parameter is not None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def short_name(self) -> str:
        return self.spec.short_name

    @property
    def parent(self) -> str:
        return self.spec.parent

    @property
    def function(self) -> str:
        """The function's name in its module."""
        return str(self.spec.function.__name__)

    @property
    def description(self) -> str:
        return self.spec.description

    @property
    def example(self) -> dict[str, Any] | None:
        """The first example: the input used when none is given."""
        return self.examples[0].value if self.examples else None


@dataclass(frozen=True)
class Group:
    """A prefix of operation names: a flow over its children, stage by stage."""

    name: str
    children: tuple[str, ...]  # full names, operations and subgroups, in declaration order
    stages: tuple[tuple[str, ...], ...]  # children that may run at once, in running order

    @property
    def short_name(self) -> str:
        return self.name.rpartition(".")[2]


@dataclass(frozen=True)
class ValidProject:
    """A project with no problems, fully resolved. Made only by :func:`pulpo.validate.validate`."""

    root: Path
    config: ProjectConfig
    models: tuple[DataModel, ...]
    operations: tuple[Operation, ...]  # in discovery order
    groups: tuple[Group, ...]  # every group, each before the groups inside it
    # Every pulpo.setting a project module assigns, where it assigns it (its module and name).
    settings: tuple[DiscoveredSetting, ...] = ()
    # Every pulpo.upstream a project module assigns: the app's /health reports their breakers.
    upstreams: tuple[DiscoveredUpstream, ...] = ()

    @property
    def output_dir(self) -> Path:
        return self.root / self.config.output

    def operation(self, name: str) -> Operation:
        """The operation called ``name``; ``KeyError`` if there is none."""
        for operation in self.operations:
            if operation.name == name:
                return operation
        raise KeyError(name)

    def group(self, name: str) -> Group:
        """The group called ``name``; ``KeyError`` if there is none."""
        for group in self.groups:
            if group.name == name:
                return group
        raise KeyError(name)

    def is_group(self, name: str) -> bool:
        return any(group.name == name for group in self.groups)
