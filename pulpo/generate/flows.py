"""What the flow templates see: the operation hierarchy as Prefect flows and tasks.

Every group of the hierarchy (``pokemon``, ``pokemon.evolution``) becomes a flow
and every operation a task, which also runs alone as a flow of its own. A group
flow runs its children stage by stage (:func:`~pulpo.discover.hierarchy.stages`):
the children of one stage at once, the stages in order.

A group flow takes one input field per child and returns one output field per
child. A child's input may be *fed* by the outputs of the operations it runs
``after=`` (validation decided which: :attr:`~pulpo.validate.Operation.feeds`).
When every required parameter of a child can be fed, its input field is
optional; what the caller gives explicitly always wins, and fed values fill
only what the caller left out.

An operation declared with ``schedule=`` is also served as the deployment
``<operation name>/schedule`` (:func:`pulpo.flows.schedule`), which runs its flow
every so many seconds: a literal number, or the setting the project assigns, read
by the generated module where the project's module binds it.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pulpo.declare import OperationSpec, Setting
from pulpo.declare.naming import pascal_case, route_path
from pulpo.discover.project import DiscoveredSetting
from pulpo.generate.annotations import Imports
from pulpo.generate.identifiers import Namespace
from pulpo.generate.names import FLOW_LOCALS, class_body_names, imported_packages, local_scope
from pulpo.validate import Operation, ValidProject

if TYPE_CHECKING:
    from pulpo.generate.context import OperationContext


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
    endpoint: str  # the route function that starts it as a flow
    # ``key=...``: its IdempotencyKey parameter, given the flow run's id and the operation's
    # name (stable across the task's retries within one run); None when it takes none.
    key_argument: str | None = None

    @property
    def path(self) -> str:
        return route_path(self.name)

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
            # An optional child that nothing feeds takes no required input: left out, its
            # input is the empty one.
            return f"{given} or {self.input_class}()" if self.optional else given
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
    endpoint: str  # the route function that starts it
    example: dict[str, Any] | None = None  # every step's example, fed steps left to be fed

    @property
    def path(self) -> str:
        return route_path(self.name)

    @property
    def output_arguments(self) -> str:
        return ", ".join(f"{child.short_name}={child.variable}" for child in self.children)


@dataclass
class ScheduleContext:
    """A scheduled operation: its flow, served every ``every`` seconds."""

    name: str
    flow_variable: str
    every: str  # ``30.0``, or the setting's module and name: ``clock.settings.TICK_INTERVAL``
    has_example: bool  # a scheduled run takes the first example, else no input at all


@dataclass
class FlowsContext:
    """Everything ``flows.py``, ``schemas/flows.py`` and ``routers/flows.py`` need."""

    groups: list[GroupContext]  # subgroups before the groups that contain them
    tasks: list[TaskContext]
    operation_input_classes: list[str]  # imported from ``schemas/operations.py``
    schema_imports: list[str]  # the user's input and output types
    schema_names: dict[str, str]  # what the group classes' bodies call ConfigDict and Field
    router_imports: list[str]  # the user's input models
    feeds_inputs: bool  # some child's input is fed by its predecessors
    schedules: list[ScheduleContext] = field(default_factory=list)
    schedule_modules: list[str] = field(default_factory=list)  # what their settings need imported

    @property
    def runs_concurrently(self) -> bool:
        """Some stage has more than one step."""
        return any(len(stage) > 1 for group in self.groups for stage in group.stages)


def build_flows_context(
    project: ValidProject,
    contexts: list["OperationContext"],
    names: Namespace,
) -> FlowsContext | None:
    """The flows of a validated project; ``None`` without operations.

    Every identifier is claimed in ``names``, the project's namespace; the variables
    of a group flow's body in a scope of their own below it.
    """
    if not project.operations:
        return None
    by_name = {operation.name: operation for operation in contexts}
    # Module-level names first: the groups' bodies must avoid every one of them.
    for operation in project.operations:
        _task_variable(operation.name, names)
        flow_variable(operation.name, names)
    for group in project.groups:
        flow_variable(group.name, names)
    schema_imports, router_imports = Imports(names), Imports(names)
    for operation in project.operations:
        if operation.input_model is not None:
            router_imports.add_type(operation.input_model)
    roots = [group for group in project.groups if "." not in group.name]
    groups: list[GroupContext] = []
    for root in roots:
        groups.extend(_groups(project, root.name, by_name, schema_imports, names))
    operation_inputs = sorted(
        {
            child.input_class
            for group in groups
            for child in group.children
            if not child.is_group and not by_name[child.name].input_is_user_model
        }
    )
    feeds_inputs = any(child.fed for group in groups for child in group.children)
    schema_names = class_body_names(schema_imports, "ConfigDict", *(["Field"] * feeds_inputs))
    return FlowsContext(
        groups=groups,
        tasks=[
            _task(by_name[operation.name], operation.spec, names)
            for operation in project.operations
        ],
        operation_input_classes=operation_inputs,
        schema_imports=schema_imports.lines(),
        schema_names=schema_names,
        router_imports=router_imports.lines(),
        feeds_inputs=feeds_inputs,
        schedules=[
            _schedule(project, operation, names)
            for operation in project.operations
            if operation.spec.schedule is not None
        ],
        schedule_modules=schedule_modules(project),
    )


def _schedule(project: ValidProject, operation: Operation, names: Namespace) -> ScheduleContext:
    every = operation.spec.schedule
    if isinstance(every, Setting):
        found = _declared(project, every)
        expression = f"{found.module}.{found.variable}"
    elif every is not None:
        expression = repr(float(every))
    else:
        raise AssertionError(f"{operation.name} is not scheduled")
    return ScheduleContext(
        name=operation.name,
        flow_variable=flow_variable(operation.name, names),
        every=expression,
        has_example=operation.example is not None,
    )


def schedule_modules(project: ValidProject) -> list[str]:
    """The modules that assign the settings of the project's schedules, in discovery order."""
    modules: list[str] = []
    for operation in project.operations:
        if isinstance(every := operation.spec.schedule, Setting):
            module = _declared(project, every).module
            if module not in modules:
                modules.append(module)
    return modules


def _declared(project: ValidProject, every: Setting[Any]) -> DiscoveredSetting:
    """Where the project assigns the setting (validation made sure it does)."""
    return next(found for found in project.settings if found.setting is every)


def flow_variable(name: str, names: Namespace) -> str:
    """The flow of the group or operation ``name``: ``pokemon_evolution_flow``."""
    return names.claim(name.replace(".", "_") + "_flow", key=("flow", name))


def _endpoint(name: str, names: Namespace) -> str:
    """The route function that starts a flow: ``start_pokemon_evolution``."""
    return names.claim("start_" + name.replace(".", "_"), key=("start flow", name))


def _task(operation: "OperationContext", spec: OperationSpec, names: Namespace) -> TaskContext:
    options = []
    if spec.retries:
        options.append(f"retries={spec.retries!r}")
    if spec.retry_delay_seconds:
        options.append(f"retry_delay_seconds={spec.retry_delay_seconds!r}")
    if spec.timeout is not None:
        options.append(f"timeout_seconds={spec.timeout!r}")
    return TaskContext(
        name=operation.name,
        variable=_task_variable(operation.name, names),
        flow_variable=flow_variable(operation.name, names),
        summary=operation.summary,
        module=operation.module,
        function=operation.function,
        input_class=operation.input_class,
        input_is_user_model=operation.input_is_user_model,
        arguments=[item.name for item in operation.inputs],
        output_class=operation.output_class,
        options=options,
        example=operation.example,
        endpoint=_endpoint(operation.name, names),
        key_argument=(
            f'{operation.key_parameter}=f"{{flow_run.get_id()}} {operation.name}"'
            if operation.key_parameter
            else None
        ),
    )


def _task_variable(name: str, names: Namespace) -> str:
    """The task of the operation ``name``: ``pokemon_evolution_stage1_task``."""
    return names.claim(name.replace(".", "_") + "_task", key=("task", name))


def _groups(
    project: ValidProject,
    name: str,
    contexts: dict[str, "OperationContext"],
    imports: Imports,
    names: Namespace,
) -> list[GroupContext]:
    """The group ``name`` and every group below it, subgroups first."""
    group = project.group(name)
    found: list[GroupContext] = []
    children: dict[str, ChildContext] = {}
    # The group flow's local variables; flows.py imports the operations' packages.
    body = local_scope(names, FLOW_LOCALS, imported_packages(project))
    for child in group.children:
        short_name = child.rpartition(".")[2]
        if project.is_group(child):
            below = _groups(project, child, contexts, imports, names)
            found.extend(below)
            children[child] = ChildContext(
                name=child,
                short_name=short_name,
                variable=body.claim(short_name),
                call=flow_variable(child, names),
                is_group=True,
                input_class=below[-1].input_class,  # the child's own group comes last
                output_class=below[-1].output_class,
                optional=False,
                example=below[-1].example,
            )
        else:
            context = contexts[child]
            operation = project.operation(child)
            children[child] = ChildContext(
                name=child,
                short_name=short_name,
                variable=body.claim(short_name),
                call=_task_variable(child, names),
                is_group=False,
                input_class=context.input_class,
                output_class=context.output_class,
                optional=operation.fully_fed,
                example=context.example,
            )
            if operation.input_model is not None:
                imports.add_type(operation.input_model)
            imports.add_type(operation.output)
    for child in group.children:
        if not project.is_group(child):
            children[child].fed = _fed(project.operation(child), children)
    ordered = [[children[child] for child in stage] for stage in group.stages]
    prefix = _class_prefix(name)
    found.append(
        GroupContext(
            name=name,
            variable=flow_variable(name, names),
            input_class=names.claim(prefix + "FlowInput", key=("flow input", name)),
            output_class=names.claim(prefix + "FlowOutput", key=("flow output", name)),
            summary=_summary(name, ordered),
            children=list(children.values()),
            stages=ordered,
            endpoint=_endpoint(name, names),
            example=_group_example(list(children.values())),
        )
    )
    return found


def _fed(operation: Operation, steps: dict[str, ChildContext]) -> list[FedValue]:
    """What feeds ``operation``'s parameters, as expressions of the group flow's body."""
    return [
        FedValue(feed.parameter, f"{steps[feed.source].variable}.{feed.field}")
        for feed in operation.feeds
    ]


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
