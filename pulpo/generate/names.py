"""Which names the generated modules bind, and the project's namespace built around them.

Every identifier a template writes on a project's behalf (a router module, a
schema class, a route function, an imported user type, a flow's step variable) is
claimed in one :class:`~pulpo.generate.identifiers.Namespace` per project, made by
:func:`project_namespace`. It starts out holding:

- :data:`TEMPLATE_NAMES`: everything the app templates bind by themselves, in any
  generated module (``router``, ``status``, ``app``, ``lifespan``, ``flow``...);
- the project's own names that end up as attributes or imports in generated code:
  every field of every model, every operation parameter and group step, and the
  top-level package of every module the generated code imports (``import
  pokemon.management`` binds ``pokemon``).

So a project name that meets any of those comes out with a trailing ``_``, in
every module alike. A name the template binds inside a class body is the one
thing a field of that class could shadow: those (:data:`CLASS_BODY_NAMES`) are
claimed, not reserved, and imported under an alias when a field takes them.

``tests/generation`` checks that every name a generated module binds at its top
level is either here or was claimed: a template that starts binding a new name
must list it in :data:`TEMPLATE_NAMES`.
"""

from collections.abc import Iterable

from pydantic import BaseModel

from pulpo.generate.annotations import Imports
from pulpo.generate.identifiers import Namespace
from pulpo.validate import ValidProject
from pulpo.validate.types import is_model, named_types

CLASS_BODY_NAMES = {
    "Any": "typing",
    "ConfigDict": "pydantic",
    "Field": "pydantic",
    "Literal": "typing",
    "MISSING": "pydantic",
    "Mapping": "collections.abc",
    "Record": "pulpo",
    "Self": "typing",
}
"""Names used inside the generated classes that hold the project's fields, and their modules."""

TEMPLATE_NAMES = frozenset(
    {
        # app.py
        "APIRoute", "AsyncIterator", "BaseModel", "DATAMODELS", "DatabaseUnavailable",
        "FastAPI", "FastAPIOffline", "INDEX_RETRY_SECONDS", "Settings", "app", "app_settings",
        "asynccontextmanager", "asyncio", "close_all", "connection", "create_app",
        "create_indexes_when_reachable", "get_settings", "http", "install_error_handlers",
        "lifespan", "logger", "logging", "operation_id",
        # the routers and schemas packages: the modules every app has
        "flows", "health", "operations",
        # dependencies.py
        "Annotated", "Depends", "Repository", "SettingsDep", "repository",
        # errors.py
        "DomainError", "ErrorResponse", "HTTP_METHODS", "JSONResponse", "Match", "Mount",
        "Request", "Responses", "UNAVAILABLE", "ValidationError", "allowed_methods",
        "UpstreamUnavailable", "bounded_errors", "bounded_text", "http_exception_handler", "math",
        # flows.py
        "EXAMPLES", "FLOWS", "Flow", "NO_CACHE", "RunnerDeployment", "UsageError",
        "bind_database", "concurrently", "create_indexes", "fill", "flow", "flow_run", "main",
        "schedule", "scheduled", "serve", "step", "store_result", "task",
        # routers/<collection>.py
        "APIRouter", "AUTHORIZED", "CONFLICT", "HTTPException", "JSONRoute", "NOT_FOUND", "Query",
        "Response", "TOTAL_COUNT", "not_found", "router", "sort_order", "status",
        # routers/flows.py
        "DEPLOYMENT", "FlowRun", "FlowRunStarted", "PREFECT_ERRORS", "RETRY_PAUSES",
        "RETRY_STATUSES", "RUN_ERRORS", "checked", "flow_results", "httpx", "prefect_api",
        "read_flow_run", "send", "start_flow_run", "uuid",
        # routers/health.py
        "Health", "UPSTREAMS", "UpstreamHealth", "breakers",
        # routers/operations.py
        "Body", "ERRORS", "KEY_REQUIRED", "KeyHeader",
        # schemas/<model>.py
        "read_leniently",
        # settings.py
        "AliasChoices", "AuthMode", "BaseSettings", "DocsAccess", "Driver", "SecretStr",
        "SettingsConfigDict", "WriteConcernName", "cache", "check_security", "model_validator",
    }
)  # fmt: skip
"""Every name the app templates bind at the top level of some generated module."""

ROUTE_LOCALS = frozenset(
    {"changes", "document", "documents", "filters", "query", "record", "repository", "response"}
)
"""The parameters and variables a CRUD route function binds besides the project's."""

FLOW_LOCALS = frozenset({"body", "output"})
"""The parameters and variables a flow function binds besides its steps' outputs."""


def project_namespace(project: ValidProject) -> Namespace:
    """The namespace every identifier of ``project``'s generated package is claimed in."""
    taken: set[str] = set(TEMPLATE_NAMES) | imported_packages(project)
    for model in project.models:
        for cls in named_types(model.cls):
            if is_model(cls):
                taken.update(_fields(cls))
    for operation in project.operations:
        taken.update(item.name for item in operation.parameters)
        if operation.input_model is not None:
            taken.update(_fields(operation.input_model))
    for group in project.groups:
        taken.update(child.rpartition(".")[2] for child in group.children)
    namespace = Namespace(taken)
    for name, module in CLASS_BODY_NAMES.items():  # first: they keep their names unless a field
        namespace.claim(name, key=(module, name))  # has one; Imports uses the same keys
    return namespace


def imported_packages(project: ValidProject) -> set[str]:
    """The names ``import pokemon.management`` and its like bind: the top-level packages."""
    modules = [model.module for model in project.models]
    modules += [operation.module for operation in project.operations]
    modules += [found.module for found in project.upstreams]  # routers/health.py imports them
    # flows.py also imports the modules that assign the settings of schedules.
    scheduled = [operation.spec.schedule for operation in project.operations]
    modules += [found.module for found in project.settings if found.setting in scheduled]
    return {module.split(".")[0] for module in modules}


def project_classes(project: ValidProject) -> list[str]:
    """The names of the project's own classes that generated modules import."""
    types = [cls for model in project.models for cls in named_types(model.cls)]
    for operation in project.operations:
        types.append(operation.output)
        if operation.input_model is not None:
            types.append(operation.input_model)
        types.extend(cls for item in operation.parameters for cls in named_types(item.annotation))
    return sorted({cls.__name__ for cls in types})


def local_scope(names: Namespace, *taken: Iterable[str]) -> Namespace:
    """The scope of a generated function's parameters and variables.

    It avoids only what generated modules *bind*: the templates' own names, every
    identifier claimed in ``names`` so far (claim the module-level names first), and
    ``taken`` (the function's fixed parameters and variables; the imported packages
    where the module imports them). Field and step names are attributes, not
    bindings: a variable may share one.
    """
    return Namespace(TEMPLATE_NAMES.union(names.claimed(), *taken))


def class_body_names(imports: Imports, *names: str) -> dict[str, str]:
    """Import ``names`` (of :data:`CLASS_BODY_NAMES`); their local names, aliased where needed."""
    return {name: imports.add(CLASS_BODY_NAMES[name], name) for name in names}


def _fields(cls: type[BaseModel]) -> set[str]:
    return set(cls.model_fields)
