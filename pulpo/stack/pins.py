"""What the stack pins: the official images, and the packages installed beside the project.

One place for every version the generated stack depends on, so that a bump is one
edit here (and a review of the golden files). The service table
(:mod:`pulpo.stack.services`) and the templates read these; nothing else spells them.
"""

PYTHON_IMAGE = "python:3.11-slim"
MONGODB_IMAGE = "mongo:8.0"
PREFECT_VERSION = "3.8.8"
PREFECT_IMAGE = f"prefecthq/prefect:{PREFECT_VERSION}-python3.11"
# Prefect 3.8.8's server answers 422 on its work-pool and worker routes (`prefect
# work-pool ls`, `.deploy()`, the UI's work-pools page) with FastAPI 0.151 and later;
# 0.150 works. Wherever Prefect runs (its server, the flows image) FastAPI is held below
# 0.151; the API image does not install Prefect and keeps its own pins. With SQLAlchemy
# 2.1 its server's scheduler fails to insert a scheduled deployment's runs ("Can't
# evaluate bulk DML statement"), so no schedule would ever fire: it is held below 2.1.
PREFECT_REQUIREMENTS = (f"prefect=={PREFECT_VERSION}", "fastapi<0.151", "sqlalchemy<2.1")
REDIS_IMAGE = "redis:7-alpine"
# What the project's images install to talk to Redis when the stack has it.
REDIS_REQUIREMENTS = ("redis>=5",)
SECANTUS_VERSION = "0.7.0b3"
# The offline MongoDB stand-in, and the driver its healthcheck pings with.
MONGODB_STANDIN_REQUIREMENTS = (f"SecantusDB=={SECANTUS_VERSION}", "pymongo")
# The test_runner's additions to the API image: pytest, and both HTTP clients a test may use.
TEST_REQUIREMENTS = ("pytest>=8", "httpx>=0.27", "requests>=2.31")
# The mock upstreams' image, one for every mock of every project (see pulpo.stack.mocks).
MOCK_IMAGE = "pulpo-mock"
# Dev mode restarts the API and the flows with watchfiles' CLI; the images carry it, so
# switching modes never rebuilds one.
RELOAD_REQUIREMENTS = ("watchfiles>=1.0",)

# Offline mode's base: a debootstrapped Debian (see pulpo.stack.offline); stand-ins that
# need no Python (Redis) start from it.
OFFLINE_DEBIAN_IMAGE = "pulpo-offline/debian:bookworm-minbase"
# Offline mode's Python: Debian's python3 on a debootstrapped Debian (see pulpo.stack.offline).
OFFLINE_PYTHON_IMAGE = "pulpo-offline/python:3.11-bookworm"
# How the images' pip finds packages offline: only in the wheelhouse copied into the build.
OFFLINE_PIP_OPTIONS = "--no-index --find-links /wheelhouse"
