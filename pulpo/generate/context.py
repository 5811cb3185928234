"""What the templates see: plain descriptions of every file to generate.

Templates stay free of logic; everything they print (names, annotations,
imports, route paths) is decided here, from a validated project.
"""

import enum
import math
from dataclasses import dataclass, field
from typing import Any

from pydantic.fields import FieldInfo

from pulpo import __version__
from pulpo.declare.naming import pascal_case, route_path, snake_case
from pulpo.generate.annotations import Imports, optional, render_annotation, render_literal
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
from pulpo.validate import DataModel, Operation, ValidProject

# Query parameters of the list route; a model field of the same name cannot be a filter.
LIST_PARAMETERS = ("limit", "skip", "sort")


@dataclass
class FieldContext:
    name: str
    description: str | None
    update_annotation: str
    filter_annotation: str | None
    sortable: bool
    # The field in the read schema: its type there, and the source of its default. A field
    # with a default written as a constant keeps both; any other is ``T | None = None``.
    read_type: str = ""
    read_default: str = "None"


@dataclass(frozen=True)
class RouteFunctions:
    """The route functions of one datamodel (their names are also their operationIds)."""

    create: str
    list: str
    get: str
    update: str  # PATCH
    put: str
    delete: str


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
    create_class: str
    update_class: str
    read_class: str
    query_class: str
    sort_key_type: str
    repository_type: str  # ``Annotated[Repository[Model], Depends(...)]``, as routes declare it
    repository_dependency: str  # the function in ``dependencies.py`` that gives the repository
    functions: "RouteFunctions"
    id_param: str
    body_param: str
    filters_method: str  # the Query's method returning the equality filters
    from_record_method: str
    from_document_method: str
    fields: list[FieldContext]
    schema_imports: list[str]  # every import of the schema module
    names: dict[str, str]  # what the schema module's class bodies call Field, ConfigDict, ...

    @property
    def filters(self) -> list[FieldContext]:
        return [field for field in self.fields if field.filter_annotation]

    @property
    def item_path(self) -> str:
        return "/{" + self.id_param + "}"

    @property
    def not_found_message(self) -> str:
        """Source of the f-string that says which id was not found."""
        return 'f"' + self.name + " {" + self.id_param + '!r} not found"'

    @property
    def sort_keys(self) -> list[str]:
        keys = [field.name for field in self.fields if field.sortable]
        return [key for name in keys for key in (name, f"-{name}")]


@dataclass
class InputFieldContext:
    name: str
    annotation: str
    default: str | None  # source of the default; None when required


@dataclass
class ExampleContext:
    """A named example input of an operation, normalized as the API would echo it."""

    name: str
    value: dict[str, Any]


@dataclass
class OperationContext:
    name: str
    path: str
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
    operations_schema_imports: list[str] = field(default_factory=list)
    operations_schema_names: dict[str, str] = field(default_factory=dict)  # ConfigDict, Field
    operation_modules: list[str] = field(default_factory=list)
    flows: FlowsContext | None = None  # Prefect flows of the operation hierarchy
    # Every identifier claimed on the project's behalf (see pulpo.generate.names).
    claimed: frozenset[str] = frozenset()


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
    fields = []
    for item in model.fields:
        filterable = item.scalar and item.name not in LIST_PARAMETERS
        default = _constant_default(model.cls.model_fields[item.name])
        read_type = item.annotation if default is not None else optional(item.annotation)
        fields.append(
            FieldContext(
                name=item.name,
                description=item.description,
                update_annotation=render_annotation(optional(item.annotation), imports),
                filter_annotation=(
                    render_annotation(optional(item.annotation), imports) if filterable else None
                ),
                sortable=item.scalar,
                read_type=render_annotation(read_type, imports),
                read_default=render_literal(default[0], imports) if default else "None",
            )
        )
    if any(field.sortable for field in fields):
        body |= class_body_names(imports, "Literal")
    field_names = {item.name for item in model.fields}
    schema_module = schemas.claim(snake_case(model.name))
    functions = RouteFunctions(
        *(
            names.claim(f"{verb}_{model.collection if verb == 'list' else schema_module}")
            for verb in ("create", "list", "get", "update", "put", "delete")
        )
    )
    classes = {
        kind: names.claim(f"{model.name}{kind}")
        for kind in ("Create", "Update", "Read", "Query", "SortKey", "Repository")
    }
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
        create_class=classes["Create"],
        update_class=classes["Update"],
        read_class=classes["Read"],
        query_class=classes["Query"],
        sort_key_type=classes["SortKey"],
        repository_type=classes["Repository"],
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
    )


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
    for operation in operations:
        unique_short = short_names.count(operation.short_name) == 1
        name = operation.name
        base = pascal_case(operation.short_name if unique_short else name.replace(".", "_"))
        if operation.input_model is not None:
            input_class = router_imports.add_type(operation.input_model)
        else:
            input_class = names.claim(base + "Input", key=("operation input", name))
        inputs = [
            InputFieldContext(
                name=item.name,
                annotation=render_annotation(item.annotation, schema_imports),
                default=None if item.required else render_literal(item.default, schema_imports),
            )
            for item in operation.parameters
        ]
        description = operation.description or f"Run the {name} operation."
        context.operations.append(
            OperationContext(
                name=name,
                path=route_path(name),
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
        context.operations_schema_names = class_body_names(schema_imports, "ConfigDict")
    context.operations_router_imports = router_imports.lines()
    context.operations_schema_imports = schema_imports.lines()
