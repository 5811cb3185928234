"""Where the stack's files are: below the generated package, and in the project root.

``pulpo compile`` writes the stack beside the FastAPI package, inside the output
directory, so the atomic write covers it too::

    generated/
        docker-compose.yml           every service of the table (flows only with flows)
        docker-compose.test.yml      override for tests: .env.test's values, mocks, test_runner
        docker-compose.offline.yml   override without a registry: local stand-in images
        docker-compose.dev.yml       override for development: the project mounted, reloaded
        .env.example                 every setting, with its default
        .env.test                    the test stack's settings: test values, mock URLs, ports
        stack/api.Dockerfile         the API image (and the test_runner, target ``test``)
        stack/flows.Dockerfile       the flows image (only with a flows module)
        stack/*requirements.txt      what the images install besides Pulpo
        stack/dockerignore           the build context's allowlist (``pulpo up`` installs it)
        stack/smoke_tests.py         what `exec test_runner` runs inside the stack (smoke tests)
        stack/mock.Dockerfile        the mock upstreams' image (one for every project)
        stack/mocks/<name>.json      each mocked upstream's spec, mounted into mock_<name>
        stack/plan.json              the project's services (pulpo.stack.plan), read by `pulpo up`
        stack/offline/               the stand-in MongoDB and the Prefect server, built locally

The build context of the project's images is the project root: the domain packages,
the generated package and ``.pulpo/dist``, where ``pulpo up`` puts the Pulpo wheel
(Pulpo is not on PyPI).
"""

from pathlib import PurePosixPath

COMPOSE_FILE = PurePosixPath("docker-compose.yml")
TEST_COMPOSE_FILE = PurePosixPath("docker-compose.test.yml")
OFFLINE_COMPOSE_FILE = PurePosixPath("docker-compose.offline.yml")
DEV_COMPOSE_FILE = PurePosixPath("docker-compose.dev.yml")
ENV_EXAMPLE = PurePosixPath(".env.example")
ENV_TEST = PurePosixPath(".env.test")  # the test stack's settings (docker-compose.test.yml)
ROOT_TEST_COMPOSE_FILE = "docker-compose.test.yml"  # in the project root: `pulpo up` writes it
STACK_DIR = PurePosixPath("stack")  # Dockerfiles, requirement files, the stand-ins
DOCKERIGNORE = STACK_DIR / "dockerignore"  # installed as <root>/.dockerignore
DIST_DIR = PurePosixPath(".pulpo/dist")  # below the project root: the Pulpo wheel
