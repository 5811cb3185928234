"""The catalogue: standard services a project adds to its stack by name.

``[tool.pulpo] services = ["redis"]`` adds each named entry to the project's stack,
beside the fixed services of :mod:`pulpo.stack.services`. An entry is an ordinary
:class:`~pulpo.stack.services.Service`: the official image and the stand-in offline
mode builds in its place, a healthcheck, a named volume, the port it is published on,
the ``clients`` variable every service running the project's code gets (``REDIS_URL``),
and the ``requirements`` the project's images install to be its client (redis-py).

Adding Postgres or RabbitMQ is one more entry here, plus its stand-in's Dockerfile in
``templates/offline/``.
"""

from pulpo.stack import pins
from pulpo.stack.services import (
    Build,
    Env,
    Healthcheck,
    Link,
    Port,
    Service,
    StandIn,
    Volume,
    setting,
)

REDIS_PORT = Port(6379, 16379, "Redis", (Link("Redis", "/0", scheme="redis"),))

REDIS = Service(
    "redis",
    key="redis",
    description="Redis",
    image=pins.REDIS_IMAGE,
    stand_in=StandIn(
        # Debian's redis-server on the debootstrapped base: no Python, no wheelhouse.
        Build("offline/redis.Dockerfile", (), wheelhouse=None),
        image="pulpo-offline/redis-standin:7-bookworm",
        note="Debian bookworm's redis-server (Redis 7)",
        # Without a configuration file Redis refuses clients from other containers
        # (protected mode) and writes into its working directory.
        command=(
            *("redis-server", "--bind", "0.0.0.0", "--protected-mode", "no"),
            *("--dir", "/data", "--appendonly", "yes"),
        ),
    ),
    command=("redis-server", "--appendonly", "yes"),
    clients=(
        Env(
            "REDIS_URL",
            setting("PULPO_STACK_REDIS_URL", f"redis://redis:{REDIS_PORT.container}/0"),
        ),
    ),
    volumes=(Volume("redis-data", "/data"),),
    port=REDIS_PORT,
    healthcheck=Healthcheck(("CMD", "redis-cli", "ping"), start_period="30s"),
    requirements=pins.REDIS_REQUIREMENTS,
)

CATALOGUE: dict[str, Service] = {service.name: service for service in (REDIS,)}
