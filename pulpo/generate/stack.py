"""The Docker stack of a generated project: Dockerfiles, Compose files and their settings.

``pulpo compile`` writes these beside the FastAPI package, inside the output
directory, so the atomic write covers them too::

    generated/
        docker-compose.yml           mongodb, api, prefect-server (+ flows when generated)
        docker-compose.test.yml      override for tests: test database, fast timeouts, test-runner
        docker-compose.offline.yml   override without a registry: local stand-in images
        docker-compose.dev.yml       override for development: the project mounted, reloaded
        .env.example                 every setting, with its default
        stack/api.Dockerfile         the API image (and the test-runner, target ``test``)
        stack/flows.Dockerfile       the flows image (only with a flows module)
        stack/*requirements.txt      what the images install besides Pulpo
        stack/dockerignore           the build context's allowlist (``pulpo up`` installs it)
        stack/smoke_tests.py         what the test-runner service runs inside the stack
        stack/offline/               the stand-in MongoDB and the Prefect server, built locally

The build context of the project's images is the project root: the domain
packages, the generated package and ``.pulpo/dist`` (the Pulpo wheel that
``pulpo up`` builds there, since Pulpo is not on PyPI).

Images are chosen by build arguments and environment variables, so the same
Dockerfiles serve both modes: by default the official images (``python:3.11-slim``,
``mongo:8.0``, ``prefecthq/prefect``) and PyPI; offline, ``pulpo up --offline``
points them at local images (see :mod:`pulpo.run.images`).
"""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pulpo import __version__
from pulpo.discover.project import Project
from pulpo.generate.context import build_context, header
from pulpo.generate.render import environment

PYTHON_IMAGE = "python:3.11-slim"
MONGODB_IMAGE = "mongo:8.0"
PREFECT_VERSION = "3.8.8"
PREFECT_IMAGE = f"prefecthq/prefect:{PREFECT_VERSION}-python3.11"
# Prefect 3.8.8's server answers 422 on its work-pool and worker routes (`prefect
# work-pool ls`, `.deploy()`, the UI's work-pools page) with FastAPI 0.151 and later;
# 0.150 works. Wherever Prefect runs (its server, the flows image) FastAPI is held below
# 0.151; the API image does not install Prefect and keeps its own pins.
PREFECT_REQUIREMENTS = (f"prefect=={PREFECT_VERSION}", "fastapi<0.151")
SECANTUS_VERSION = "0.7.0b3"
MONGODB_STANDIN_REQUIREMENTS = (f"SecantusDB=={SECANTUS_VERSION}", "pymongo")
TEST_REQUIREMENTS = ("pytest>=8",)
# Dev mode restarts the API and the flows with watchfiles' CLI; the images carry it, so
# switching modes never rebuilds one.
RELOAD_REQUIREMENTS = ("watchfiles>=1.0",)
TEST_DATABASE = "pulpo_test"  # the test stack's database, as the testing strategy names it
# Offline mode's local images; `pulpo up --offline` tags them with content hashes.
OFFLINE_PYTHON_IMAGE = "pulpo-offline/python:3.11-bookworm"
OFFLINE_PREFECT_IMAGE = f"pulpo-offline/prefect:{PREFECT_VERSION}-python3.11"
OFFLINE_MONGODB_IMAGE = f"pulpo-offline/mongodb-standin:secantusdb-{SECANTUS_VERSION}"

API_PORT = 18000
MONGODB_PORT = 27018
PREFECT_PORT = 14200
BIND_ADDRESS = "127.0.0.1"
API_USER_ID = 10001

COMPOSE_FILE = PurePosixPath("docker-compose.yml")
TEST_COMPOSE_FILE = PurePosixPath("docker-compose.test.yml")
OFFLINE_COMPOSE_FILE = PurePosixPath("docker-compose.offline.yml")
DEV_COMPOSE_FILE = PurePosixPath("docker-compose.dev.yml")
FLOWS_MODULE = PurePosixPath("flows.py")

_NOT_A_PIN = re.compile(r"^\s*pulpo(\s*\[[^\]]*\])?\s*($|[<>=!~;@ ])", re.IGNORECASE)


@dataclass
class StackContext:
    """What the stack templates print, decided here."""

    project: str
    package: str  # the generated package: its directory in the build context
    database: str
    title: str
    compose_name: str
    image_prefix: str  # pulpo-<project>: the project's images are <prefix>-api, -flows, -test
    has_flows: bool
    copies: list[str]  # the domain packages' top-level paths, copied into the images
    requirements: list[str]  # the project's own dependencies, Pulpo excepted
    python_image: str = PYTHON_IMAGE
    mongodb_image: str = MONGODB_IMAGE
    prefect_image: str = PREFECT_IMAGE
    prefect_version: str = PREFECT_VERSION
    prefect_requirements: tuple[str, ...] = PREFECT_REQUIREMENTS
    secantus_version: str = SECANTUS_VERSION
    mongodb_standin_requirements: tuple[str, ...] = MONGODB_STANDIN_REQUIREMENTS
    test_requirements: tuple[str, ...] = TEST_REQUIREMENTS
    reload_requirements: tuple[str, ...] = RELOAD_REQUIREMENTS
    test_database: str = TEST_DATABASE
    api_port: int = API_PORT
    mongodb_port: int = MONGODB_PORT
    prefect_port: int = PREFECT_PORT
    bind_address: str = BIND_ADDRESS
    api_user_id: int = API_USER_ID
    pulpo_version: str = __version__
    offline_prefect_image: str = OFFLINE_PREFECT_IMAGE
    offline_mongodb_image: str = OFFLINE_MONGODB_IMAGE
    watched: list[str] = field(default_factory=list)  # what dev mode watches, below /app
    list_routes: list[str] = field(default_factory=list)
    operation_routes: list[str] = field(default_factory=list)


def build_stack_context(project: Project, has_flows: bool) -> StackContext:
    config = project.config
    app = build_context(project)
    slug = config.name.lower().replace("_", "-")
    copies = _top_level_paths(project)
    return StackContext(
        project=config.name,
        package=config.output,
        database=config.database,
        title=app.title,
        compose_name=f"pulpo-{slug}",
        image_prefix=f"pulpo-{slug}",
        has_flows=has_flows,
        copies=copies,
        watched=[*(path.rstrip("/") for path in copies), config.output],
        requirements=project_requirements(project.root),
        list_routes=[model.route for model in app.models],
        operation_routes=["/operations" + operation.path for operation in app.operations],
    )


def render_stack(project: Project, app_files: dict[PurePosixPath, str]) -> dict[PurePosixPath, str]:
    """The stack's files, by path relative to the generated package directory.

    ``app_files`` are the package's other files: the ``flows`` service is part of
    the stack only when they include a flows module.
    """
    context = build_stack_context(project, has_flows=FLOWS_MODULE in app_files)
    env = environment()
    common = {**vars(context), "header": header(f"the {context.project} project")}

    def render(template: str) -> str:
        return env.get_template(f"stack/{template}.jinja").render(**common)

    files = {
        COMPOSE_FILE: render("docker-compose.yml"),
        TEST_COMPOSE_FILE: render("docker-compose.test.yml"),
        OFFLINE_COMPOSE_FILE: render("docker-compose.offline.yml"),
        DEV_COMPOSE_FILE: render("docker-compose.dev.yml"),
        PurePosixPath(".env.example"): render("env.example"),
        PurePosixPath("stack/api.Dockerfile"): render("api.Dockerfile"),
        PurePosixPath("stack/dockerignore"): render("dockerignore"),
        PurePosixPath("stack/requirements.txt"): render("requirements.txt"),
        PurePosixPath("stack/test-requirements.txt"): render("test-requirements.txt"),
        PurePosixPath("stack/smoke_tests.py"): render("smoke_tests.py"),
        PurePosixPath("stack/offline/mongodb.Dockerfile"): render("offline/mongodb.Dockerfile"),
        PurePosixPath("stack/offline/mongodb-requirements.txt"): render(
            "offline/mongodb-requirements.txt"
        ),
        PurePosixPath("stack/offline/prefect-server.Dockerfile"): render(
            "offline/prefect-server.Dockerfile"
        ),
        PurePosixPath("stack/offline/prefect-server-requirements.txt"): render(
            "offline/prefect-server-requirements.txt"
        ),
    }
    if context.has_flows:
        files[PurePosixPath("stack/flows.Dockerfile")] = render("flows.Dockerfile")
        files[PurePosixPath("stack/flows-requirements.txt")] = render("flows-requirements.txt")
    return files


def project_requirements(root: Path) -> list[str]:
    """``[project] dependencies`` of the project's ``pyproject.toml``, without Pulpo itself.

    Pulpo goes into the images as a wheel that ``pulpo up`` builds; everything else
    the domain needs is installed from the index (or, offline, the wheelhouse).
    """
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return []
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return []  # discovery reports an unreadable pyproject.toml
    dependencies = document.get("project", {}).get("dependencies", [])
    return [
        str(item).strip()
        for item in dependencies
        if isinstance(item, str) and not _NOT_A_PIN.match(item)
    ]


def _top_level_paths(project: Project) -> list[str]:
    """``pokemon/`` for a package, ``tools.py`` for a single module, once each, in order."""
    paths: list[str] = []
    for package in project.config.packages:
        top = package.split(".")[0]
        path = f"{top}/" if (project.root / top).is_dir() else f"{top}.py"
        if path not in paths:
            paths.append(path)
    return paths
