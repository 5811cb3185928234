"""The stack's services, one entry each: the table every other part of :mod:`pulpo.stack` reads.

An entry says everything Pulpo knows about a service, as data:

* its **image**: an official one pulled by name (``mongo:8.0``), or a **build** of a
  Dockerfile Pulpo generates (the project's own images: ``api``, ``flows``), and, for an
  official image, the **stand-in** offline mode builds in its place (no registry);
* what it **installs** (a build's requirement files, which are also its offline
  wheelhouse and what a dev-mode image tag covers);
* its **port** (inside the stack, and where it is published on the host), its
  **healthcheck**, its **command**, **volumes** and **environment**;
* how the project's code reaches it (its **clients** variables, ``MONGODB_URL`` and the
  like, also under the test override and offline): every service that runs the
  project's code gets them and **depends on it**, starting once it is healthy; other
  dependencies are named (``flows`` waits for ``prefect-server``);
* whether it is **optional** (``flows``: only when the project has flows) or only part
  of the test override (``test-runner``: Compose profile ``test``).

Everything else is derived from the table: the Compose files (:mod:`pulpo.stack.files`
loops over it), the published ports and the URLs ``pulpo up`` prints, the order in
which a failed start is diagnosed, the offline wheelhouses and stand-in images
(:mod:`pulpo.stack.offline`, :mod:`pulpo.stack.images`), and the services the Docker
test fixture waits for. Adding a service is one entry here plus the template of each
file its entry names (its Dockerfile and requirement files, under ``templates/``).

The table is plain frozen data on purpose: a second renderer (Kubernetes manifests
beside the Compose files) reads the same entries. Strings that end up in the
generated files are written in Compose's interpolation syntax (``${PULPO_DATABASE:-…}``:
a setting with its default) and may use the stack's template fields
(``{{ database }}``, ``{{ package }}``), which :mod:`pulpo.stack.files` fills in.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from pulpo.stack import pins

BIND_VARIABLE = "PULPO_BIND_ADDRESS"
BIND_ADDRESS = "127.0.0.1"  # where published ports listen unless PULPO_BIND_ADDRESS says otherwise
TEST_DATABASE = "pulpo_test"  # the test stack's database, as the testing strategy names it
API_USER_ID = 10001  # the unprivileged user the project's images run as


@dataclass(frozen=True)
class Link:
    """A URL ``pulpo up`` prints for a published port: ``API http://127.0.0.1:18000``."""

    label: str
    path: str = ""
    scheme: str = "http"


@dataclass(frozen=True)
class Port:
    """The port a service listens on inside the stack, and its host port by default."""

    container: int
    default: int  # the host port, unless PULPO_<KEY>_PORT says otherwise
    what: str  # for people: "port 18000 on 127.0.0.1 (the API) is already in use"
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Healthcheck:
    """Compose's healthcheck: ``test`` in exec form, ``CMD`` first."""

    test: tuple[str, ...]
    interval: str = "2s"
    timeout: str = "5s"
    retries: int = 5
    start_period: str = "60s"


@dataclass(frozen=True)
class Env:
    """One environment variable of a service's container."""

    name: str
    value: str
    comment: str = ""  # written above it: why it is there
    with_service: str | None = None  # only when that (optional) service is part of the stack


@dataclass(frozen=True)
class Volume:
    """A named volume of the stack, mounted at ``path`` (its data outlives the container)."""

    name: str
    path: str


@dataclass(frozen=True)
class Build:
    """An image built from a Dockerfile that ``pulpo compile`` writes below ``<package>/stack/``.

    ``installs`` are its requirement files (below ``stack/`` too), in the order pip
    reads them. Offline, they are resolved into the wheelhouse image
    ``pulpo-offline/wheelhouse:<wheelhouse>-<hash>``, handed to the build as
    ``PULPO_<WHEELHOUSE>_WHEELHOUSE``; images that share a wheelhouse name share it.
    """

    dockerfile: str
    installs: tuple[str, ...]
    wheelhouse: str | None  # None: it installs no Python package (a Debian package, say)
    with_pulpo: bool = False  # installs the Pulpo wheel, so its wheelhouse has Pulpo's requirements
    target: str | None = None  # the Dockerfile's stage
    # An image shared by every project (``pulpo-mock``), rather than ``pulpo-<project>-<key>``:
    # its build reads nothing of the project, so its content tag covers only its own files
    # and the Pulpo wheel, and a second project finds it built.
    shared: str | None = None

    @property
    def files(self) -> tuple[str, ...]:
        """What the build reads from ``stack/``: its Dockerfile and requirement files."""
        return (self.dockerfile, *self.installs)


@dataclass(frozen=True)
class StandIn:
    """What offline mode builds in place of an official image, with no registry to pull from.

    The build's context is the Dockerfile's own directory (``stack/offline``): a stand-in
    needs nothing of the project. ``pulpo up --offline`` tags it ``<image>-<content hash>``.
    """

    build: Build
    image: str
    note: str = ""  # said wherever it is not the real thing
    clients: tuple[Env, ...] = ()  # what its clients set differently (over Service.clients)
    # Its healthcheck's test, when the official image's needs what it lacks (timings stay).
    test: tuple[str, ...] = ()
    # Its command, when the official image's (Service.command) does not apply to it.
    command: tuple[str, ...] = ()


@dataclass(frozen=True)
class Service:
    """One service of the stack; see the module's docstring for how each field is used."""

    name: str
    key: str  # the stem of its settings: PULPO_<KEY>_IMAGE, PULPO_<KEY>_PORT
    description: str  # in the header of docker-compose.yml: "MongoDB", "a Prefect server"
    image_key: str | None = None  # the stem of PULPO_<KEY>_IMAGE, when services share an image
    image: str | None = None  # the official image, pulled online
    build: Build | None = None  # or: the project's own image, built from a generated Dockerfile
    stand_in: StandIn | None = None  # offline, in place of ``image``
    command: tuple[str, ...] = ()
    environment: tuple[Env, ...] = ()  # its own
    clients: tuple[Env, ...] = ()  # how the project's code reaches it (see ``environment``)
    test_clients: tuple[Env, ...] = ()  # docker-compose.test.yml: over ``clients``
    test_environment: tuple[Env, ...] = ()  # docker-compose.test.yml: over its own ``environment``
    project_code: bool = False  # runs the project's code: gets the clients variables
    dev_command: str | None = None  # docker-compose.dev.yml: what watchfiles restarts on change
    volumes: tuple[Volume, ...] = ()
    mounts: tuple[str, ...] = ()  # bind mounts, relative to the Compose file: "./stack/x:/x:ro"
    port: Port | None = None
    depends_on: tuple[str, ...] = ()  # started once these are healthy (besides what it uses)
    healthcheck: Healthcheck | None = None
    restart: str | None = "unless-stopped"
    files: tuple[str, ...] = ()  # more files below stack/ it needs, each from its template
    optional: bool = False  # only when the project asks for it (see ``selected``)
    test_only: bool = False  # only in docker-compose.test.yml (the mocks, the test_runner)
    requirements: tuple[str, ...] = ()  # what the project's images install to be its clients

    def __post_init__(self) -> None:
        if (self.image is None) == (self.build is None):
            raise ValueError(f"{self.name}: an official image or a build, not both or neither")
        if self.stand_in is not None and self.image is None:
            raise ValueError(f"{self.name}: a stand-in replaces an official image")
        if self.optional and self.own_file is None:
            raise ValueError(f"{self.name}: an optional service needs a file of its own")

    @property
    def image_variable(self) -> str:
        """The Compose variable ``pulpo up`` sets to the image's tag."""
        return f"PULPO_{(self.image_key or self.key).upper()}_IMAGE"

    @property
    def port_variable(self) -> str:
        return f"PULPO_{self.key.upper()}_PORT"

    @property
    def builds(self) -> tuple[Build, ...]:
        """Every image build of the service: its own, and its offline stand-in's."""
        stand_in = (self.stand_in.build,) if self.stand_in else ()
        return (*((self.build,) if self.build else ()), *stand_in)

    @property
    def stack_files(self) -> tuple[str, ...]:
        """What ``pulpo compile`` writes for it below ``stack/``, each from its template."""
        paths = [path for build in self.builds for path in build.files] + list(self.files)
        return tuple(dict.fromkeys(paths))

    @property
    def own_file(self) -> str | None:
        """The file below ``stack/`` whose presence says the service is in the generated stack."""
        return self.builds[0].dockerfile if self.builds else None


def setting(variable: str, default: object) -> str:
    """``${VARIABLE:-default}``: a value Compose takes from the environment, else the default."""
    return "${" + variable + ":-" + str(default) + "}"


def wheelhouse_variable(name: str) -> str:
    """The Compose variable naming a wheelhouse image: ``PULPO_API_WHEELHOUSE``."""
    return f"PULPO_{name.upper()}_WHEELHOUSE"


# --- the table ---------------------------------------------------------------------------------

# Who may call the API, from which origins (pulpo.http.security): off unless .env says so.
# A secrets file (PULPO_API_KEYS_FILE, PULPO_JWT_PUBLIC_KEY_FILE) needs a mount of its
# own (a Compose override file); the values themselves pass through here.
_API_SECURITY = (
    Env(
        "PULPO_AUTH",
        setting("PULPO_AUTH", "none"),
        comment="Access control (none, api-key, jwt, api-key,jwt) and its keys: see .env.example.",
    ),
    *(
        Env(name, setting(name, ""))
        for name in (
            "PULPO_API_KEYS",
            "PULPO_JWT_SECRET",
            "PULPO_JWT_PUBLIC_KEY",
            "PULPO_JWT_ALGORITHMS",
            "PULPO_JWT_AUDIENCE",
            "PULPO_JWT_ISSUER",
            "PULPO_CORS_ORIGINS",
        )
    ),
    Env("PULPO_DOCS", setting("PULPO_DOCS", "public")),
    Env("PULPO_HSTS_SECONDS", setting("PULPO_HSTS_SECONDS", 0)),
)

# A single-node replica set known by its address inside the stack: clients on the host
# connect to it directly.
MONGODB_PORT = Port(
    27017, 27018, "MongoDB", (Link("MongoDB", "/?directConnection=true", scheme="mongodb"),)
)
API_PORT = Port(8000, 18000, "the API", (Link("API"), Link("docs", "/docs")))
PREFECT_PORT = Port(4200, 14200, "the Prefect UI", (Link("Prefect UI"),))

RUNNER_PORT = 8080  # Prefect's runner webserver in the flows container: its GET /health

# MongoDB runs as a single-node replica set (transactions need one), whose one member
# is known by an address inside the stack: clients connect to it directly, whatever
# address they use (the API by the service's name, tests by the published port).
_MONGODB_URL = f"mongodb://mongodb:{MONGODB_PORT.container}/?directConnection=true"
MONGODB_REPLICA_SET = "rs0"
# The healthcheck initiates the replica set on first start, and is healthy once it
# is the primary (accepting writes).
_MONGODB_READY = (
    "try { rs.status() } catch (notYet) { rs.initiate({_id: '"
    + MONGODB_REPLICA_SET
    + "', members: [{_id: 0, host: 'mongodb:"
    + str(MONGODB_PORT.container)
    + "'}]}) } quit(db.hello().isWritablePrimary ? 0 : 1)"
)
_PREFECT_API_URL = f"http://prefect-server:{PREFECT_PORT.container}/api"


def python_check(url: str, *, interval: str = "2s", start_period: str = "60s") -> Healthcheck:
    """A check with the image's own Python: any HTTP answer below 400 from ``url``."""
    code = f"import urllib.request; urllib.request.urlopen('{url}', timeout=3)"
    return Healthcheck(("CMD", "python", "-c", code), interval=interval, start_period=start_period)


_API_BUILD = Build(
    "api.Dockerfile",
    ("requirements.txt", "test-requirements.txt"),
    wheelhouse="api",
    with_pulpo=True,
    target="runtime",
)

# The test_runner (the design document's name) stays up, doing nothing, so that tests run
# inside the stack's network with `docker compose exec test_runner pytest ...`; the
# smoke tests are one such run. Its image is the API's plus pytest and the project's
# tests/ (same Dockerfile, same wheelhouse, another stage). A plain `sleep` as PID 1
# would ignore SIGTERM and make every `down` wait out its timeout.
TEST_RUNNER = Service(
    "test_runner",
    key="test",
    description="the test runner",
    build=replace(_API_BUILD, target="test"),
    command=("sh", "-c", "trap 'exit 0' TERM INT; sleep infinity & wait"),
    environment=(Env("PULPO_API_URL", f"http://api:{API_PORT.container}"),),
    project_code=True,  # it gets what the API gets: the stack's URLs and the settings
    depends_on=("api",),
    restart=None,
    files=("smoke_tests.py",),
    test_only=True,
)

SERVICES: tuple[Service, ...] = (
    Service(
        "mongodb",
        key="mongodb",
        description="MongoDB",
        image=pins.MONGODB_IMAGE,
        stand_in=StandIn(
            Build(
                "offline/mongodb.Dockerfile",
                ("offline/mongodb-requirements.txt",),
                wheelhouse="mongodb",
            ),
            image=f"pulpo-offline/mongodb-standin:secantusdb-{pins.SECANTUS_VERSION}",
            note=f"SecantusDB {pins.SECANTUS_VERSION}, a MongoDB wire-compatible stand-in",
            clients=(
                Env(
                    "MONGODB_URL",
                    setting("PULPO_STACK_MONGODB_URL", _MONGODB_URL + "&retryWrites=false"),
                    comment="SecantusDB is slow to acknowledge retryable writes; "
                    "plain writes are fine.",
                ),
            ),
            # It advertises itself as a single-node replica set (transactions) at its
            # bind address, hence directConnection in the URLs; it syncs its log on
            # every commit, so a journaled write survives the server being killed.
            command=(
                *("secantusd-py", "--host", "0.0.0.0", "--port", str(MONGODB_PORT.container)),
                *("--storage-path", "/data/db", "--sync-on-commit"),
            ),
            # The stand-in has no mongosh; the driver it installs pings instead.
            test=(
                "CMD",
                "python",
                "-c",
                "import pymongo; pymongo.MongoClient('mongodb://127.0.0.1:27017/', "
                "directConnection=True, serverSelectionTimeoutMS=2000).admin.command('ping')",
            ),
        ),
        command=("mongod", "--replSet", MONGODB_REPLICA_SET, "--bind_ip_all"),
        clients=(
            Env("MONGODB_URL", setting("PULPO_STACK_MONGODB_URL", _MONGODB_URL)),
            Env("MONGODB_DATABASE", setting("PULPO_DATABASE", "{{ database }}")),
            Env("MONGODB_TIMEOUT_MS", setting("PULPO_MONGODB_TIMEOUT_MS", 2000)),
            Env("MONGODB_WRITE_CONCERN", setting("PULPO_MONGODB_WRITE_CONCERN", "journaled")),
            Env("PULPO_MONGO_DRIVER", setting("PULPO_MONGO_DRIVER", "pymongo")),
        ),
        # A database of the test stack's own, and short timeouts: a stopped MongoDB is a
        # 503 within a couple of seconds.
        test_clients=(
            Env("MONGODB_DATABASE", setting("PULPO_TEST_DATABASE", TEST_DATABASE)),
            Env("MONGODB_TIMEOUT_MS", setting("PULPO_TEST_MONGODB_TIMEOUT_MS", 1000)),
        ),
        volumes=(Volume("mongodb-data", "/data/db"),),
        port=MONGODB_PORT,
        healthcheck=Healthcheck(("CMD", "mongosh", "--quiet", "--eval", _MONGODB_READY)),
    ),
    Service(
        "api",
        key="api",
        description="the {{ title }}",
        build=_API_BUILD,
        environment=(
            Env(
                "PREFECT_API_URL",
                _PREFECT_API_URL,
                comment="/flows/... starts runs through the Prefect server's REST API "
                "(no prefect package needed).",
                with_service="flows",
            ),
            *_API_SECURITY,
        ),
        project_code=True,
        dev_command="uvicorn {{ package }}.app:app --host 0.0.0.0 --no-server-header --port "
        + str(API_PORT.container),
        port=API_PORT,
        healthcheck=python_check(f"http://127.0.0.1:{API_PORT.container}/health", interval="1s"),
    ),
    Service(
        "prefect-server",
        key="prefect",
        description="a Prefect server",
        image=pins.PREFECT_IMAGE,
        stand_in=StandIn(
            Build(
                "offline/prefect-server.Dockerfile",
                ("offline/prefect-server-requirements.txt",),
                wheelhouse="prefect",
            ),
            image=f"pulpo-offline/prefect:{pins.PREFECT_VERSION}-python3.11",
        ),
        command=(
            *("prefect", "server", "start", "--host", "0.0.0.0"),
            *("--port", str(PREFECT_PORT.container)),
        ),
        environment=(
            Env("PREFECT_HOME", "/var/lib/prefect"),
            Env("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
            Env(
                "PREFECT_SERVER_LOGS_STREAM_OUT_ENABLED",
                "true",
                comment="Logs stream to watchers: `prefect deployment run --watch` shows each "
                "step's lines.",
            ),
            Env("PREFECT_SERVER_LOGS_STREAM_PUBLISHING_ENABLED", "true"),
            # Browsers reach the server's API where the UI is published.
            Env(
                "PREFECT_UI_API_URL",
                f"http://{setting('PULPO_PUBLIC_HOST', '127.0.0.1')}:"
                f"{setting('PULPO_PREFECT_PORT', PREFECT_PORT.default)}/api",
            ),
        ),
        volumes=(Volume("prefect-data", "/var/lib/prefect"),),
        port=PREFECT_PORT,
        healthcheck=python_check(
            f"http://127.0.0.1:{PREFECT_PORT.container}/api/health", start_period="120s"
        ),
    ),
    Service(
        "flows",
        key="flows",
        description="the flows",
        build=Build(
            "flows.Dockerfile",
            ("requirements.txt", "flows-requirements.txt"),
            wheelhouse="flows",
            with_pulpo=True,
        ),
        environment=(
            Env("PREFECT_API_URL", _PREFECT_API_URL),
            Env("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
            # Prefect's runner webserver: the healthcheck's GET /health.
            Env("PREFECT_RUNNER_SERVER_ENABLE", "true"),
            Env("PREFECT_RUNNER_SERVER_HOST", "0.0.0.0"),
            Env("PREFECT_RUNNER_SERVER_PORT", str(RUNNER_PORT)),
        ),
        project_code=True,
        dev_command="python -m {{ package }}.flows",
        depends_on=("prefect-server",),
        healthcheck=python_check(f"http://127.0.0.1:{RUNNER_PORT}/health", start_period="120s"),
        optional=True,  # only for a project with operations, so with flows
    ),
    TEST_RUNNER,
)

# --- what is derived from it -------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedPort:
    """A port the stack publishes on the host, with the setting that moves it."""

    service: str
    variable: str
    default: int
    container_port: int
    what: str
    links: tuple[Link, ...]


def published_ports(services: Iterable[Service] = SERVICES) -> tuple[PublishedPort, ...]:
    """Every published port, in table order."""
    return tuple(
        PublishedPort(
            s.name, s.port_variable, s.port.default, s.port.container, s.port.what, s.port.links
        )
        for s in services
        if s.port is not None
    )


Mode = Literal["main", "test", "offline"]


def environment(service: Service, stack: Sequence[Service], mode: Mode = "main") -> list[Env]:
    """The variables ``service`` gets in one Compose file of the stack made of ``stack``.

    ``main`` (docker-compose.yml): the others' ``clients`` when it runs the project's
    code, then its own. ``test``: what the test override changes, the test clients, the
    clients of the services only the test stack has (a mock's URL), its own test
    variables; for a service only the test stack has (written there whole), everything.
    ``offline``: the stand-ins' clients. Variables for a service that is not in the stack
    are left out; a name set twice keeps its first place and its last value, and a
    client's value wins over the service's own (the stack knows where Redis is).
    """
    if mode == "test" and service.test_only:
        return _merged(environment(service, stack, "main"), _test_environment(service, stack))
    others = [other for other in stack if other is not service]
    shared: list[Env] = []
    own: tuple[Env, ...] = ()
    if mode == "main":
        own = service.environment
        if service.project_code:
            shared = [env for other in others if not other.test_only for env in other.clients]
    elif mode == "test":
        return _present(_test_environment(service, stack), stack)
    elif service.project_code:
        shared = [env for other in others if other.stand_in for env in other.stand_in.clients]
    taken = {env.name for env in shared}
    return _present([*shared, *(env for env in own if env.name not in taken)], stack)


def _test_environment(service: Service, stack: Sequence[Service]) -> list[Env]:
    """What docker-compose.test.yml sets for ``service`` over docker-compose.yml."""
    shared: list[Env] = []
    if service.project_code:
        for other in stack:
            if other is not service:
                shared += other.test_clients
                shared += other.clients if other.test_only else ()
    taken = {env.name for env in shared}
    own = [env for env in service.test_environment if env.name not in taken]
    return _present([*own, *shared], stack)


def _present(variables: Iterable[Env], stack: Sequence[Service]) -> list[Env]:
    names = {other.name for other in stack}
    return [v for v in variables if v.with_service is None or v.with_service in names]


def _merged(first: Iterable[Env], then: Iterable[Env]) -> list[Env]:
    """``first`` with ``then`` over it: a name keeps its first place and takes its last value."""
    found: dict[str, Env] = {}
    for env in [*first, *then]:
        found[env.name] = env
    return list(found.values())


def dependencies(service: Service, stack: Sequence[Service], mode: Mode = "main") -> list[str]:
    """What ``service`` waits for (healthy) in the stack made of ``stack``, in table order.

    A service that runs the project's code depends on every service whose clients
    variables it gets; besides, on what its entry names. ``main``: in docker-compose.yml;
    ``test``: what docker-compose.test.yml adds (the mocks), everything for a service only
    the test stack has.
    """
    names = [other.name for other in stack]

    def used(test_only: bool) -> list[str]:
        return [
            other.name
            for other in stack
            if service.project_code
            and other.clients
            and other is not service
            and other.test_only == test_only
        ]

    named_ = [name for name in service.depends_on if name in names]
    if mode != "test":
        return list(dict.fromkeys([*used(False), *named_]))
    if service.test_only:
        return list(dict.fromkeys([*used(False), *named_, *used(True)]))
    return used(True)


def service_order(services: Sequence[Service] = SERVICES) -> tuple[str, ...]:
    """The services' names, each after what it depends on (then in table order).

    A failed start is diagnosed in this order: a dependency that failed explains
    the services waiting for it.
    """
    pending = list(services)
    waits = {
        service.name: dependencies(service, services) + dependencies(service, services, "test")
        for service in pending
    }
    ordered: list[str] = []
    while pending:
        ready = next(
            (s for s in pending if all(name in ordered for name in waits[s.name])),
            None,
        )
        if ready is None:
            cycle = ", ".join(service.name for service in pending)
            raise ValueError(f"the services depend on each other in a cycle: {cycle}")
        ordered.append(ready.name)
        pending.remove(ready)
    return tuple(ordered)


def selected(
    optional: Iterable[str] = (), services: Iterable[Service] = SERVICES
) -> tuple[Service, ...]:
    """The services of a stack: every one not optional, and the optional ones asked for."""
    wanted = set(optional)
    return tuple(s for s in services if not s.optional or s.name in wanted)


def wheelhouses(services: Iterable[Service] = SERVICES) -> dict[str, Build]:
    """Each offline wheelhouse by name, with the build that defines what it holds."""
    found: dict[str, Build] = {}
    for service in services:
        for build in service.builds:
            if build.wheelhouse is None:
                continue
            known = found.setdefault(build.wheelhouse, build)
            if (known.installs, known.with_pulpo) != (build.installs, build.with_pulpo):
                raise ValueError(f"wheelhouse {build.wheelhouse!r} is defined twice, differently")
    return found


def named(name: str, services: Iterable[Service] = SERVICES) -> Service:
    """The entry of the service called ``name``."""
    for service in services:
        if service.name == name:
            return service
    raise KeyError(name)
