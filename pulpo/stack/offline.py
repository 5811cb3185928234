"""Offline mode: build local equivalents of the official images when no registry is reachable.

:func:`prepare_offline` builds (or finds) what every offline build of the stack starts
from, and caches what it can outside the project (``PULPO_CACHE_DIR``, default
``/var/cache/pulpo`` when writable, else ``~/.cache/pulpo``):

- ``pulpo-offline/debian:bookworm-minbase``, imported from a ``debootstrap`` root file
  system (its tarball is cached, so it is debootstrapped once);
- ``pulpo-offline/python:3.11-bookworm``: that Debian with ``python3`` and ``venv``
  from Debian's archive; it stands in for ``python:3.11-slim``;
- ``pulpo-offline/wheelhouse:<name>-<hash>``: every wheel one build installs, in
  ``/wheelhouse``, resolved by ``pip wheel`` *inside* a container of that Python image
  (so markers match its interpreter), with the host's CA bundle mounted and
  ``PIP_CERT`` pointing at it (TLS-inspecting proxies need exactly that). The images
  then install with ``pip install --no-index --find-links /wheelhouse``.

Which wheelhouses there are, and what each holds, is the service table's: every
:class:`~pulpo.stack.services.Build` names its wheelhouse and its requirement files,
so the API's pins never meet the Prefect server's. The stand-ins themselves (the
MongoDB stand-in, the Prefect server) are ordinary Compose builds of the
offline override, tagged in :mod:`pulpo.stack.images`.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pulpo.stack import pins
from pulpo.stack.engine import build_image, image_exists
from pulpo.stack.errors import ImageError
from pulpo.stack.layout import STACK_DIR
from pulpo.stack.progress import Reporter, Step
from pulpo.stack.services import Build, Service, wheelhouse_variable, wheelhouses
from pulpo.stack.wheel import wheel_requirements

if TYPE_CHECKING:
    from docker import DockerClient

CACHE_VARIABLE = "PULPO_CACHE_DIR"
DEBIAN_IMAGE = pins.OFFLINE_DEBIAN_IMAGE
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
WHEELHOUSE_REPOSITORY = "pulpo-offline/wheelhouse"
CA_BUNDLE_CANDIDATES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")

_PYTHON_DOCKERFILE = f"""\
FROM {DEBIAN_IMAGE}
LABEL org.opencontainers.image.title="Debian {DEBIAN_SUITE}, Python 3.11: Pulpo's offline base" \\
      org.opencontainers.image.description="Stands in for {pins.PYTHON_IMAGE} without a registry" \\
      io.pulpo.stand-in-for="{pins.PYTHON_IMAGE}"
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
RUN apt-get update \\
    && apt-get install -y --no-install-recommends python3 python3-venv \\
    && apt-get clean && rm -rf /var/lib/apt/lists/*
CMD ["python3"]
"""

_WHEELHOUSE_DOCKERFILE = """\
ARG PYTHON_IMAGE
FROM ${PYTHON_IMAGE}
LABEL io.pulpo.wheelhouse="true"
COPY wheels/ /wheelhouse/
"""

# Resolve and download inside a container of the target image: its interpreter's markers.
# Not --quiet: its "Collecting ..." lines are the progress shown while it runs.
_RESOLVE_SCRIPT = """\
set -e
python3 -m venv /tmp/resolver
/tmp/resolver/bin/pip wheel --progress-bar off --wheel-dir /work/wheels -r /work/requirements.txt
"""

_COMMENT = re.compile(r"(^|\s)#.*$")


# --- where things are cached -------------------------------------------------------------------


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``PULPO_CACHE_DIR``, else ``/var/cache/pulpo`` when writable, else ``~/.cache/pulpo``."""
    environ = os.environ if env is None else env
    configured = environ.get(CACHE_VARIABLE, "").strip()
    if configured:
        path = Path(configured).expanduser()
    elif os.access("/var/cache", os.W_OK):
        path = Path("/var/cache/pulpo")
    else:
        path = Path.home() / ".cache" / "pulpo"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def cache_lock(name: str = "images") -> Iterator[None]:
    """Serialize offline preparation across processes (two ``pulpo up`` at once)."""
    path = cache_dir() / f".{name}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- what every offline build starts from ------------------------------------------------------


def prepare_offline(
    client: "DockerClient",
    generated: Path,
    wheel: Path,
    report: Reporter,
    services: Iterable[Service],
) -> dict[str, str]:
    """Build (or find) the local base images and the services' wheelhouses.

    Returns the Compose variables that point the builds at them: the Python image,
    pip's options and ``PULPO_<NAME>_WHEELHOUSE`` for each wheelhouse.
    """
    with cache_lock():
        ensure_debian_image(client, report)
        ensure_python_image(client, report)
        variables = {
            "PULPO_PYTHON_IMAGE": pins.OFFLINE_PYTHON_IMAGE,
            "PULPO_PIP_OPTIONS": pins.OFFLINE_PIP_OPTIONS,
        }
        for name, build in wheelhouses(services).items():
            variables[wheelhouse_variable(name)] = ensure_wheelhouse(
                client, build, generated, wheel, report
            )
    return variables


def ensure_debian_image(client: "DockerClient", report: Reporter) -> str:
    """``pulpo-offline/debian:bookworm-minbase``, debootstrapped once and cached as a tarball."""
    if image_exists(client, DEBIAN_IMAGE):
        return DEBIAN_IMAGE
    tarball = cache_dir() / f"debian-{DEBIAN_SUITE}-minbase.tar"
    if not tarball.is_file():
        debootstrap = shutil.which("debootstrap", path=os.environ.get("PATH", "") + ":/usr/sbin")
        if debootstrap is None:
            raise ImageError(
                "debootstrap is missing, and offline mode builds its Debian base with it: "
                "apt-get install debootstrap (scripts/install_docker.sh does)"
            )
        if os.geteuid() != 0:
            raise ImageError("debootstrap needs root to build the offline Debian base image")
        mirror = os.environ.get("PULPO_DEBIAN_MIRROR", DEBIAN_MIRROR)
        title = f"offline: debootstrap {DEBIAN_SUITE} (minbase) from {mirror}, once"
        with (
            report.step(title) as step,
            tempfile.TemporaryDirectory(prefix="rootfs-", dir=cache_dir()) as rootfs,
        ):
            command = [debootstrap, "--variant=minbase", DEBIAN_SUITE, rootfs, mirror]
            status, tail = _run_streaming(command, step)
            if status != 0:
                raise ImageError(f"debootstrap failed: {' | '.join(tail[-3:])}")
            step.update(f"archiving the root file system into {tarball.name}")
            partial = tarball.with_suffix(".tar.partial")
            with tarfile.open(partial, "w") as archive:
                archive.add(rootfs, arcname=".")
            partial.rename(tarball)
    repository, tag = DEBIAN_IMAGE.split(":")
    with report.step(f"offline: importing {DEBIAN_IMAGE} from {tarball}"):
        client.api.import_image_from_file(
            str(tarball), repository=repository, tag=tag, changes=['CMD ["bash"]']
        )
    return DEBIAN_IMAGE


def _run_streaming(command: list[str], step: Step) -> tuple[int, list[str]]:
    """Run ``command``, each output line becoming the step's detail; (status, last lines)."""
    tail: list[str] = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as process:
        assert process.stdout is not None  # stdout=PIPE
        for line in process.stdout:
            if line.strip():
                step.update(line)
                tail = [*tail[-19:], line.rstrip()]
    return process.returncode, tail


def ensure_python_image(client: "DockerClient", report: Reporter) -> str:
    """``pulpo-offline/python:3.11-bookworm``: Debian's python3 and venv (apt over HTTP)."""
    image = pins.OFFLINE_PYTHON_IMAGE
    if image_exists(client, image):
        return image
    with (
        report.step(f"offline: building {image} (Debian's Python 3.11)") as step,
        tempfile.TemporaryDirectory(prefix="pulpo-python-") as context,
    ):
        Path(context, "Dockerfile").write_text(_PYTHON_DOCKERFILE, encoding="utf-8")
        build_image(client, Path(context), image, step=step)
    return image


# --- wheelhouses -------------------------------------------------------------------------------


def ensure_wheelhouse(
    client: "DockerClient", build: Build, generated: Path, wheel: Path, report: Reporter
) -> str:
    """The tag of ``build``'s wheelhouse image, resolved and built when missing."""
    requirements: list[str] = []
    if build.with_pulpo:
        requirements += wheel_requirements(wheel)
    for file in build.installs:
        text = (generated / STACK_DIR / file).read_text(encoding="utf-8")
        for line in text.splitlines():
            requirement = _COMMENT.sub("", line).strip()
            if requirement:
                requirements.append(requirement)
    python_id = client.images.get(pins.OFFLINE_PYTHON_IMAGE).id
    key = hashlib.sha256(
        json.dumps({"python": python_id, "requirements": requirements}).encode()
    ).hexdigest()[:12]
    name = build.wheelhouse
    tag = f"{WHEELHOUSE_REPOSITORY}:{name}-{key}"
    if image_exists(client, tag):
        return tag
    directory = cache_dir() / "wheelhouses" / f"{name}-{key}"
    with report.step(f"offline: the {name} wheelhouse ({len(requirements)} requirements)") as step:
        if not (directory / ".complete").is_file():
            shutil.rmtree(directory, ignore_errors=True)
            (directory / "wheels").mkdir(parents=True)
            (directory / "requirements.txt").write_text("\n".join(requirements) + "\n")
            _resolve_in_container(client, directory, step)
            (directory / ".complete").write_text(tag + "\n")
        (directory / "Dockerfile").write_text(_WHEELHOUSE_DOCKERFILE, encoding="utf-8")
        (directory / ".dockerignore").write_text("*\n!wheels\n", encoding="utf-8")
        build_image(
            client,
            directory,
            tag,
            buildargs={"PYTHON_IMAGE": pins.OFFLINE_PYTHON_IMAGE},
            step=step,
        )
    return tag


def ca_bundle(env: Mapping[str, str] | None = None) -> Path | None:
    """The host's CA bundle: PIP_CERT, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, else the usual paths."""
    environ = os.environ if env is None else env
    for variable in ("PULPO_CA_BUNDLE", "PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        value = environ.get(variable, "").strip()
        if value and Path(value).is_file():
            return Path(value)
    for candidate in CA_BUNDLE_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def _resolve_in_container(client: "DockerClient", directory: Path, step: Step) -> None:
    """``pip wheel`` the requirements inside the offline Python image, into ``directory``.

    pip's output is the step's detail while it runs, and the error's when it fails.
    """
    from docker.errors import APIError

    pip_cache = cache_dir() / "pip"
    pip_cache.mkdir(exist_ok=True)
    volumes = {
        str(directory): {"bind": "/work", "mode": "rw"},
        str(pip_cache): {"bind": "/pip-cache", "mode": "rw"},
    }
    environment = {
        "HOME": "/tmp",
        "PIP_CACHE_DIR": "/pip-cache",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_DEFAULT_TIMEOUT": "120",
        "PYTHONUNBUFFERED": "1",  # pip's lines as they come: they are the progress shown
    }
    bundle = ca_bundle()
    if bundle is not None:
        volumes[str(bundle.resolve())] = {"bind": "/etc/pulpo-ca.crt", "mode": "ro"}
        environment["PIP_CERT"] = "/etc/pulpo-ca.crt"
    index = os.environ.get("PULPO_PIP_INDEX_URL", "").strip()
    if index:
        environment["PIP_INDEX_URL"] = index
    container = client.containers.run(
        pins.OFFLINE_PYTHON_IMAGE,
        ["sh", "-c", _RESOLVE_SCRIPT],
        volumes=volumes,
        environment=environment,
        user=f"{os.getuid()}:{os.getgid()}",
        detach=True,
    )
    tail: list[str] = []
    try:
        for line in _lines(container.logs(stream=True, follow=True)):
            if line.lstrip().startswith(("Collecting", "Saved", "Building wheel")):
                step.update(f"pip: {line.strip()}")
            tail = [*tail[-19:], line]
        status = container.wait().get("StatusCode", 1)
    finally:
        try:
            container.remove(force=True)
        except APIError as error:  # already gone, or the engine refused: it holds no state
            step.update(f"the resolver container stays: {error.explanation or error}")
    if status != 0:
        lines = [line for line in tail if line.strip()]
        raise ImageError(
            f"resolving the wheelhouse {directory.name} failed: {' | '.join(lines[-3:])[:600]}"
        )


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Whole lines from a stream of byte chunks (a container's log)."""
    pending = ""
    for chunk in chunks:
        pending += chunk.decode("utf-8", "replace")
        *complete, pending = pending.split("\n")
        yield from (line.rstrip() for line in complete)
    if pending.strip():
        yield pending.rstrip()
