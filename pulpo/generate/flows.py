"""What the flow templates see: the operation hierarchy as Prefect flows and tasks.

Every group of the hierarchy (``pokemon``, ``pokemon.evolution``) becomes a flow
and every operation a task, which also runs alone as a flow of its own. A group
flow runs its children stage by stage (:func:`~pulpo.discover.hierarchy.stages`):
the children of one stage at once, the stages in order.

A group flow takes one input field per child and returns one output field per
child. A child's input may be *fed* by the outputs of the operations it runs
``after=``: through the operation's ``inputs=`` map (``"stage1.evolved_name"``),
or where a predecessor's output has a field of the parameter's name and type.
When every required parameter of a child can be fed, its input field is
optional; what the caller gives explicitly always wins, and fed values fill
only what the caller left out.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pulpo.declare import OperationSpec
from pulpo.declare.naming import pascal_case, route_path
from pulpo.discover.hierarchy import Node, build_tree, resolve_after, stages
from pulpo.discover.project import DiscoveredOperation
from pulpo.generate.annotations import Imports
from pulpo.validate.signature import OperationSignature, read_signature
from pulpo.validate.types import strip_annotated

if TYPE_CHECKING:
    from pulpo.generate.context import OperationContext

# Names a group flow's body uses besides its steps' outputs; a step of such a name is renamed.
_BODY_NAMES = frozenset({"body", "concurrently", "fill", "store_result"})


@dataclass
class TaskContext:
    """One operation: a task, and a flow that runs just that task."""

    name: str
    variable: str  # the task's name in the module
    flow_variable: str
    summary: str
    module: str
    function: str
    input_class: str
    input_is_user_model: bool
    arguments: list[str]  # the function's keyword arguments, read from ``body``
    output_class: str
    options: list[str]  # ``retries=2``, ``timeout_seconds=30.0``: only those that were set
    example: dict[str, Any] | None  # the input its deployment runs with when given none

    @property
    def path(self) -> str:
        return route_path(self.name)

    @property
    def endpoint(self) -> str:
        return _endpoint(self.name)

    @property
    def flow_summary(self) -> str:
        return f"Run {self.name} as a flow"


@dataclass
class FedValue:
    parameter: str
    source: str  # ``stage1.evolved_name``: a predecessor's output variable and field


@dataclass
class ChildContext:
    """One child of a group flow: an operation's task or a subgroup's flow."""

    name: str
    short_name: str  # its field in the group's input and output
    variable: str  # its output in the group flow's body
    call: str  # the task or flow it runs
    is_group: bool
    input_class: str
    output_class: str
    optional: bool  # every required parameter can be fed
    fed: list[FedValue] = field(default_factory=list)
    example: dict[str, Any] | None = None  # its input in the group's example

    @property
    def argument(self) -> str:
        """The expression the group flow passes to the child."""
        given = f"body.{self.short_name}"
        if not self.fed:
            return given
        values = ", ".join(f"{value.parameter}={value.source}" for value in self.fed)
        return f"fill({self.input_class}, {given}, {values})"

    @property
    def started(self) -> str:
        """The awaitable that runs the child: its task, or its flow as a subflow."""
        return f"{self.call}({self.argument})"

    @property
    def field_description(self) -> str | None:
        if not self.fed:
            return None
        sources = ", ".join(f"{value.parameter} from {value.source}" for value in self.fed)
        if self.optional:
            return f"Leave out to take {sources}."
        return f"Parameters left out take {sources}."


@dataclass
class GroupContext:
    """One group of the hierarchy: a flow over its children."""

    name: str
    variable: str
    input_class: str
    output_class: str
    summary: str
    children: list[ChildContext]  # in declaration order
    stages: list[list[ChildContext]]
    example: dict[str, Any] | None = None  # every step's example, fed steps left to be fed

    @property
    def path(self) -> str:
        return route_path(self.name)

    @property
    def endpoint(self) -> str:
        return _endpoint(self.name)

    @property
    def output_arguments(self) -> str:
        return ", ".join(f"{child.short_name}={child.variable}" for child in self.children)


@dataclass
class FlowsContext:
    """Everything ``flows.py``, ``schemas/flows.py`` and ``routers/flows.py`` need."""

    groups: list[GroupContext]  # subgroups before the groups that contain them
    tasks: list[TaskContext]
    operation_input_classes: list[str]  # imported from ``schemas/operations.py``
    schema_imports: list[str]  # the user's input and output types
    router_imports: list[str]  # the user's input models
    feeds_inputs: bool  # some child's input is fed by its predecessors

    @property
    def runs_concurrently(self) -> bool:
        """Some stage has more than one step."""
        return any(len(stage) > 1 for group in self.groups for stage in group.stages)


def build_flows_context(
    operations: list[DiscoveredOperation],
    contexts: list["OperationContext"],
) -> FlowsContext | None:
    """The flows of a project whose operations were validated; ``None`` without operations."""
    if not operations:
        return None
    by_name = {operation.name: operation for operation in contexts}
    specs = {operation.spec.name: operation.spec for operation in operations}
    schema_imports, router_imports = Imports(), Imports()
    for operation in operations:
        if (model := _signature(operation.spec).input_model) is not None:
            router_imports.add_type(model)
    groups: list[GroupContext] = []
    for root in build_tree(operation.spec for operation in operations):
        groups.extend(_groups(root, by_name, specs, schema_imports))
    operation_inputs = sorted(
        {
            child.input_class
            for group in groups
            for child in group.children
            if not child.is_group and not by_name[child.name].input_is_user_model
        }
    )
    return FlowsContext(
        groups=groups,
        tasks=[_task(by_name[operation.spec.name], operation.spec) for operation in operations],
        operation_input_classes=operation_inputs,
        schema_imports=schema_imports.lines(),
        router_imports=router_imports.lines(),
        feeds_inputs=any(child.fed for group in groups for child in group.children),
    )


def flow_variable(name: str) -> str:
    return name.replace(".", "_") + "_flow"


def _endpoint(name: str) -> str:
    """The route function that starts a flow: ``start_pokemon_evolution``."""
    return "start_" + name.replace(".", "_")


def _task(operation: "OperationContext", spec: OperationSpec) -> TaskContext:
    options = []
    if spec.retries:
        options.append(f"retries={spec.retries!r}")
    if spec.retry_delay_seconds:
        options.append(f"retry_delay_seconds={spec.retry_delay_seconds!r}")
    if spec.timeout is not None:
        options.append(f"timeout_seconds={spec.timeout!r}")
    return TaskContext(
        name=operation.name,
        variable=operation.endpoint + "_task",
        flow_variable=flow_variable(operation.name),
        summary=operation.summary,
        module=operation.module,
        function=operation.function,
        input_class=operation.input_class,
        input_is_user_model=operation.input_is_user_model,
        arguments=[item.name for item in operation.inputs],
        output_class=operation.output_class,
        options=options,
        example=operation.example,
    )


def _groups(
    node: Node,
    operations: dict[str, "OperationContext"],
    specs: dict[str, OperationSpec],
    imports: Imports,
) -> list[GroupContext]:
    """``node``'s group and every group below it, subgroups first."""
    found: list[GroupContext] = []
    children: dict[str, ChildContext] = {}
    for child in node.children.values():
        if child.is_group:
            below = _groups(child, operations, specs, imports)
            found.extend(below)
            children[child.name] = ChildContext(
                name=child.name,
                short_name=child.short_name,
                variable=child.short_name,
                call=flow_variable(child.name),
                is_group=True,
                input_class=_class_prefix(child.name) + "FlowInput",
                output_class=_class_prefix(child.name) + "FlowOutput",
                optional=False,
                example=below[-1].example,  # the child's own group comes last
            )
        else:
            operation = operations[child.name]
            children[child.name] = ChildContext(
                name=child.name,
                short_name=child.short_name,
                variable=child.short_name,
                call=operation.endpoint + "_task",
                is_group=False,
                input_class=operation.input_class,
                output_class=operation.output_class,
                optional=False,
                example=operation.example,
            )
            signature = _signature(specs[child.name])
            if signature.input_model is not None:
                imports.add_type(signature.input_model)
            imports.add_type(signature.output)
    for step in children.values():
        if step.variable in _BODY_NAMES:
            step.variable += "_output"
    names = list(children)
    for child_node in node.children.values():
        if child_node.operation is not None:
            _feed(children[child_node.name], child_node.operation, names, children, specs)
    ordered = [[children[child.name] for child in stage] for stage in stages(node)]
    found.append(
        GroupContext(
            name=node.name,
            variable=flow_variable(node.name),
            input_class=_class_prefix(node.name) + "FlowInput",
            output_class=_class_prefix(node.name) + "FlowOutput",
            summary=_summary(node.name, ordered),
            children=list(children.values()),
            stages=ordered,
            example=_group_example(list(children.values())),
        )
    )
    return found


def _group_example(children: list[ChildContext]) -> dict[str, Any] | None:
    """A group's example input: each step's example, without what earlier steps feed.

    Steps whose whole input is fed are left out; ``None`` when a step that needs
    input has no example.
    """
    example: dict[str, Any] = {}
    for child in children:
        if child.optional:
            continue
        if child.example is None:
            return None
        fed = {value.parameter for value in child.fed}
        example[child.short_name] = {
            key: value for key, value in child.example.items() if key not in fed
        }
    return example


def _feed(
    child: ChildContext,
    spec: OperationSpec,
    siblings: list[str],
    nodes: dict[str, ChildContext],
    specs: dict[str, OperationSpec],
) -> None:
    """Decide which of ``child``'s parameters its predecessors' outputs feed."""
    signature = _signature(spec)
    predecessors = [name for name in resolve_after(spec, siblings) if name is not None]
    if signature.input_model is not None:
        parameters = {
            name: (strip_annotated(info.annotation), info.is_required())
            for name, info in signature.input_model.model_fields.items()
        }
    else:
        parameters = {
            item.name: (strip_annotated(item.annotation), item.required)
            for item in signature.inputs
        }
    fed: dict[str, str] = {}
    for parameter, source in spec.inputs.items():
        stage, _, output_field = source.partition(".")
        full = stage if "." in stage else f"{spec.parent}.{stage}"
        fed[parameter] = f"{nodes[full].variable}.{output_field}"
    for parameter, (annotation, _) in parameters.items():
        if parameter in fed:
            continue
        for name in predecessors:
            output = _output_fields(specs[name]) if name in specs else {}
            if parameter in output and output[parameter] == annotation:
                fed[parameter] = f"{nodes[name].variable}.{parameter}"
                break
    child.optional = all(
        parameter in fed for parameter, (_, required) in parameters.items() if required
    )
    child.fed = [
        FedValue(parameter, fed[parameter])
        for parameter, (_, required) in parameters.items()
        # A required parameter of a required input is always given by the caller.
        if parameter in fed and (child.optional or not required)
    ]


def _output_fields(spec: OperationSpec) -> dict[str, object]:
    """The fields of an operation's output, with their types."""
    fields = _signature(spec).output.model_fields
    return {name: strip_annotated(info.annotation) for name, info in fields.items()}


def _signature(spec: OperationSpec) -> OperationSignature:
    signature, problems = read_signature(spec)
    if signature is None:
        raise ValueError(f"{spec.name} was not validated: {problems}")
    return signature


def _class_prefix(group: str) -> str:
    return pascal_case(group.replace(".", "_"))


def _summary(name: str, ordered: list[list[ChildContext]]) -> str:
    """``Run pokemon.evolution: stage1, then stage2.``"""
    parts = []
    for stage in ordered:
        names = [child.short_name for child in stage]
        if len(names) == 1:
            parts.append(names[0])
        else:
            parts.append(", ".join(names[:-1]) + f" and {names[-1]} at once")
    return f"Run {name}: {', then '.join(parts)}"
