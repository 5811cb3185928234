"""Render the stack's files from the service table and a project's :class:`StackInputs`.

:func:`render` is what ``pulpo compile`` calls: it returns every file of the stack by
path relative to the generated package (see :mod:`pulpo.stack.layout`). The Compose
files are one template each that loops over the table (:mod:`pulpo.stack.services`),
through the macros of ``templates/_compose.jinja``; every other file belongs to a
service (its Dockerfile, its requirement files) and is rendered from the template of
the same name, with the service's entry at hand as ``service``.

Values in the table may use the stack's template fields (``{{ database }}``,
``{{ package }}``); the ``expand`` filter fills them in. The ``yaml`` filter writes a
string as a YAML scalar, quoted only where YAML would read it otherwise, and
``flow`` writes a list on one line (``["CMD", "mongosh"]``).
"""

import json
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

import jinja2

from pulpo import __version__
from pulpo.stack import layout, pins
from pulpo.stack.inputs import StackInputs, copied_paths, project_requirements, stack_name
from pulpo.stack.services import (
    API_USER_ID,
    BIND_ADDRESS,
    BIND_VARIABLE,
    SERVICES,
    TEST_DATABASE,
    Env,
    Mode,
    Service,
    dependencies,
    environment,
    published_ports,
    selected,
    setting,
    wheelhouse_variable,
)
from pulpo.templating import environment as jinja_environment

# Files the stack has whatever its services (the Compose files loop over the services).
_STACK_TEMPLATES = {
    layout.COMPOSE_FILE: "docker-compose.yml",
    layout.TEST_COMPOSE_FILE: "docker-compose.test.yml",
    layout.OFFLINE_COMPOSE_FILE: "docker-compose.offline.yml",
    layout.DEV_COMPOSE_FILE: "docker-compose.dev.yml",
    layout.ENV_EXAMPLE: "env.example",
    layout.DOCKERIGNORE: "dockerignore",
}


def render(inputs: StackInputs, services: Iterable[Service] = SERVICES) -> dict[PurePosixPath, str]:
    """The stack's files, by path relative to the generated package directory.

    ``services`` is the table; a test passes a copy with an entry added.
    """
    chosen = selected(inputs.optional_services, services)
    env = template_environment()
    context = _context(inputs, chosen)
    files = {
        path: env.get_template(f"{name}.jinja").render(context)
        for path, name in _STACK_TEMPLATES.items()
    }
    for service in chosen:
        for name in service.stack_files:
            path = layout.STACK_DIR / name
            if path not in files:
                template = env.get_template(f"{name}.jinja")
                files[path] = template.render({**context, "service": service})
    return files


def template_environment() -> jinja2.Environment:
    """The Jinja2 environment of the stack's templates (``pulpo/stack/templates``)."""
    env = jinja_environment("pulpo.stack")  # its ``py`` filter writes smoke_tests.py's literals
    env.filters["yaml"] = yaml_scalar
    env.filters["flow"] = flow_list
    env.filters["expand"] = _expand
    env.filters["sentence"] = sentence
    env.filters["chomp"] = chomp
    env.globals["setting"] = setting
    return env


def _context(inputs: StackInputs, chosen: tuple[Service, ...]) -> dict[str, Any]:
    """What every template sees: the inputs, what follows from them, the pins and the table."""
    copies = copied_paths(inputs.root, inputs.packages)

    def variables(service: Service, mode: Mode) -> list[Env]:
        return environment(service, chosen, mode)

    def depends_on(service: Service) -> list[str]:
        return dependencies(service, chosen)

    return {
        "project": inputs.project,
        "package": inputs.package,
        "database": inputs.database,
        "title": inputs.title,
        "header": inputs.header,
        "has_flows": inputs.has_flows,
        "list_routes": list(inputs.list_routes),
        "operation_routes": list(inputs.operation_routes),
        "compose_name": stack_name(inputs.project),
        "image_prefix": stack_name(inputs.project),
        "copies": list(copies),
        # What dev mode watches below /app: the domain and the generated package.
        "watched": [*(path.rstrip("/") for path in copies), inputs.package],
        "requirements": list(project_requirements(inputs.root)),
        "services": chosen,
        "ports": published_ports(chosen),
        "volumes": [volume for service in chosen for volume in service.volumes],
        "environment": variables,
        "depends_on": depends_on,
        "wheelhouse_variable": wheelhouse_variable,
        "stack_dir": layout.STACK_DIR.as_posix(),
        "bind_variable": BIND_VARIABLE,
        "bind_address": BIND_ADDRESS,
        "test_database": TEST_DATABASE,
        "api_user_id": API_USER_ID,
        "pulpo_version": __version__,
        "python_image": pins.PYTHON_IMAGE,
        "offline_python_image": pins.OFFLINE_PYTHON_IMAGE,
        "mongodb_image": pins.MONGODB_IMAGE,
        "prefect_image": pins.PREFECT_IMAGE,
        "prefect_version": pins.PREFECT_VERSION,
        "prefect_requirements": pins.PREFECT_REQUIREMENTS,
        "secantus_version": pins.SECANTUS_VERSION,
        "mongodb_standin_requirements": pins.MONGODB_STANDIN_REQUIREMENTS,
        "test_requirements": pins.TEST_REQUIREMENTS,
        "reload_requirements": pins.RELOAD_REQUIREMENTS,
    }


@jinja2.pass_context
def _expand(context: jinja2.runtime.Context, value: str) -> str:
    """Fill in the template fields a value of the table uses (``{{ package }}``)."""
    if "{{" not in value:
        return value
    return context.environment.from_string(value).render(context.get_all())


# YAML 1.1 (what Compose's parser still honours for these) reads such plain scalars as
# booleans, null or numbers: they are quoted to stay strings.
_TYPED = re.compile(
    r"(?i:y|n|yes|no|true|false|on|off|null|~)"
    r"|[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?)"
    r"|[-+]?\.[0-9]+([eE][-+]?[0-9]+)?|[-+]?\.(?i:inf)|\.(?i:nan)"
    r"|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?"
)
_INDICATORS = set("?:,[]{}#&*!|>'\"%@`")


def yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain where YAML reads it back unchanged, else JSON-quoted."""
    plain = (
        value != ""
        and value == value.strip()
        and "\n" not in value
        and value[0] not in _INDICATORS
        and not (value[0] == "-" and (len(value) == 1 or value[1] == " "))
        and ": " not in value
        and " #" not in value
        and not value.endswith(":")
        and not _TYPED.fullmatch(value)
    )
    return value if plain else json.dumps(value)


def chomp(text: str) -> str:
    """``text`` without its last newline: a macro's lines, on the caller's line."""
    return text[:-1] if text.endswith("\n") else text


def sentence(items: Iterable[str]) -> str:
    """``a, b and c``."""
    words = list(items)
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def flow_list(items: Iterable[str]) -> str:
    """``["CMD", "mongosh"]``: a list of strings on one line (JSON is YAML)."""
    return json.dumps(list(items))
