"""The mock upstreams of the test stack: one service per declared upstream with a ``mock``.

Every mock of every project runs the same image, ``pulpo-mock:<content hash>``: Python,
the Pulpo wheel, and nothing of the project (its build reads only its Dockerfile and
the wheel, so a second project finds it built). What makes ``mock_ofd`` the OFD is its
spec, ``<output>/stack/mocks/ofd.json`` (:func:`pulpo.mock.spec.spec_of` of the
declaration), mounted read-only into the container, which runs::

    python -m pulpo.mock --spec /spec/ofd.json --host 0.0.0.0 --port 9000

A mock is only in ``docker-compose.test.yml``: in production the upstream's URL
setting points at the real service. In the test stack it points at the mock
(``OFD_API_URL=http://mock_ofd:9000``, the mock's ``clients`` variable), and the
services running the project's code wait until the mock is healthy (its healthcheck
GETs the mock's health path). It is published on the mock's port by default
(``PULPO_MOCK_OFD_PORT`` moves it), so the tests on the host switch its failures over
its control API.
"""

from dataclasses import dataclass

from pulpo.stack import pins
from pulpo.stack.services import Build, Env, Link, Port, Service, python_check, setting

MOCK_BUILD = Build(
    "mock.Dockerfile",
    ("mock-requirements.txt",),
    wheelhouse="mock",
    with_pulpo=True,
    shared=pins.MOCK_IMAGE,
)
SPEC_DIR = "/spec"  # where a mock's container finds its spec


@dataclass(frozen=True)
class MockPlan:
    """What the stack needs of a mocked upstream (the spec itself is the mock's business)."""

    name: str  # the upstream's name: the service is mock_<name>
    port: int  # where it listens, inside the stack and on the host by default
    health: str  # its health path, which the healthcheck GETs
    url_setting: str | None  # the Setting holding the upstream's URL (OFD_API_URL), if any

    @property
    def service(self) -> str:
        return f"mock_{self.name}"

    @property
    def url(self) -> str:
        """Where the stack's services reach it."""
        return f"http://{self.service}:{self.port}"

    @property
    def runner_variable(self) -> str:
        """What the test_runner's tests read its URL from: ``MOCK_OFD_URL``."""
        return f"MOCK_{self.name.upper()}_URL"

    @property
    def spec_file(self) -> str:
        """The spec's path below the generated package's ``stack/``."""
        return f"mocks/{self.name}.json"


def mock_service(mock: MockPlan) -> Service:
    """The ``mock_<name>`` service of the test stack; see the module's docstring."""
    spec = f"{SPEC_DIR}/{mock.name}.json"
    url = mock.url_setting
    clients = () if url is None else (Env(url, setting(url, mock.url)),)
    return Service(
        mock.service,
        key=mock.service,
        image_key="mock",
        description=f"the {mock.name} mock",
        build=MOCK_BUILD,
        command=(
            *("python", "-m", "pulpo.mock", "--spec", spec),
            *("--host", "0.0.0.0", "--port", str(mock.port)),
        ),
        mounts=(f"./stack/{mock.spec_file}:{spec}:ro",),
        clients=clients,
        port=Port(
            mock.port, mock.port, f"the {mock.name} mock", (Link(f"mock {mock.name}", mock.health),)
        ),
        healthcheck=python_check(f"http://127.0.0.1:{mock.port}{mock.health}", start_period="30s"),
        test_only=True,
    )
