"""The images of a project's Docker stack: what goes in them, their tags, and offline mode.

Three concerns live here, all about images and none about running containers:

* **The Pulpo wheel.** Pulpo is not on PyPI, so :func:`build_pulpo_wheel` builds it
  from Pulpo's source (with hatchling, reproducibly) into the project's
  ``.pulpo/dist``, where the Dockerfiles copy it from.
* **Content tags.** :func:`content_tag` hashes everything a build reads (the
  Dockerfile, its arguments, every file of the build context it can copy), so an
  unchanged project finds its images already built and nothing is rebuilt.
* **Offline mode** (no container registry): :func:`prepare_offline` builds local
  equivalents of the official images, and caches what it can outside the project
  (``PULPO_CACHE_DIR``, default ``/var/cache/pulpo`` when writable, else
  ``~/.cache/pulpo``):

  - ``pulpo-offline/debian:bookworm-minbase`` imported from a ``debootstrap``
    root file system (its tarball is cached, so it is debootstrapped once);
  - ``pulpo-offline/python:3.11-bookworm``: that Debian with ``python3`` and ``venv``
    from Debian's archive;
  - ``pulpo-offline/wheelhouse:<role>-<hash>``: every wheel one image needs, in
    ``/wheelhouse``, resolved by ``pip wheel`` *inside* a container of that Python
    image (so markers match its interpreter), with the host's CA bundle mounted
    and ``PIP_CERT`` pointing at it (TLS-inspecting proxies need exactly that).
    The images then install with ``pip install --no-index --find-links /wheelhouse``.

  The API, flows and test images keep their pins apart from the Prefect server's:
  each role has a wheelhouse of its own.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulpo.errors import PulpoError
from pulpo.generate.stack import OFFLINE_PYTHON_IMAGE
from pulpo.run.progress import Reporter, Step

CACHE_VARIABLE = "PULPO_CACHE_DIR"
OFFLINE_VARIABLE = "PULPO_OFFLINE"
DEBIAN_IMAGE = "pulpo-offline/debian:bookworm-minbase"
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
WHEELHOUSE_REPOSITORY = "pulpo-offline/wheelhouse"
OFFLINE_PIP_OPTIONS = "--no-index --find-links /wheelhouse"
REGISTRY_HOST = "registry-1.docker.io"
CA_BUNDLE_CANDIDATES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")

_PYTHON_DOCKERFILE = f"""\
FROM {DEBIAN_IMAGE}
LABEL org.opencontainers.image.title="Debian {DEBIAN_SUITE}, Python 3.11: Pulpo's offline base" \\
      org.opencontainers.image.description="Stands in for python:3.11-slim without a registry" \\
      io.pulpo.stand-in-for="python:3.11-slim"
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
# A build's step: "Step 7/15 : RUN ..." (classic builder), "#9 [build 4/6] RUN ..." (BuildKit).
_BUILD_STEP = re.compile(r"^(Step \d+/\d+ : .*|#\d+ \[[^\]]*\d+/\d+\] .*)$")


class ImageError(PulpoError):
    """An image could not be built or prepared; says which and why in one line."""


class EngineUnavailable(PulpoError):
    """No Docker engine, CLI or Compose to talk to."""


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


# --- the engine ---------------------------------------------------------------------------------


def docker_client(timeout: int = 900) -> Any:
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


def image_exists(client: Any, reference: str) -> bool:
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


def offline_requested(env: Mapping[str, str] | None = None) -> bool:
    """``PULPO_OFFLINE`` set to 1/true/yes/on."""
    environ = os.environ if env is None else env
    return environ.get(OFFLINE_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


# --- the Pulpo wheel ----------------------------------------------------------------------------


def pulpo_source() -> Path | None:
    """The source checkout Pulpo runs from (editable install), or None."""
    root = Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and re.search(
        r'^name\s*=\s*"pulpo"\s*$', pyproject.read_text(encoding="utf-8"), re.MULTILINE
    ):
        return root
    return None


def build_pulpo_wheel(project_root: Path, report: Reporter | None = None) -> Path:
    """Put Pulpo's wheel into ``<project>/.pulpo/dist``; return its path.

    Built with hatchling from Pulpo's source; the build is reproducible, so an
    unchanged Pulpo gives a byte-identical wheel and the images' layers stay
    cached. ``PULPO_WHEEL`` names a prebuilt wheel to use instead (for a Pulpo
    installed without its source).
    """
    dist = project_root / ".pulpo" / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    prebuilt = os.environ.get("PULPO_WHEEL", "").strip()
    with tempfile.TemporaryDirectory(prefix="pulpo-wheel-") as scratch:
        if prebuilt:
            source_wheel = Path(prebuilt)
            if not source_wheel.is_file():
                raise ImageError(f"PULPO_WHEEL={prebuilt}: no such file")
        else:
            source = pulpo_source()
            if source is None:
                raise ImageError(
                    "Pulpo is installed without its source, so its wheel cannot be built: "
                    "set PULPO_WHEEL to a pulpo-*.whl"
                )
            command = [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", scratch]
            result = subprocess.run(
                command, cwd=source, capture_output=True, text=True, check=False
            )
            wheels = sorted(Path(scratch).glob("pulpo-*.whl"))
            if result.returncode != 0 or not wheels:
                output = (result.stderr or result.stdout).strip().splitlines()
                hint = output[-1] if output else "no wheel was written"
                if "No module named hatchling" in result.stderr:
                    hint = "hatchling is missing: pip install 'pulpo[stack]'"
                raise ImageError(f"building the Pulpo wheel failed: {hint}")
            source_wheel = wheels[0]
        target = dist / source_wheel.name
        if not target.is_file() or _digest_file(target) != _digest_file(source_wheel):
            shutil.copyfile(source_wheel, target)
            if report:
                report.say(f"wheel: {target}")
    for stale in dist.glob("pulpo-*.whl"):
        if stale != target:
            stale.unlink()
    return target


def wheel_requirements(wheel: Path) -> list[str]:
    """The wheel's unconditional ``Requires-Dist`` (extras left out), in order."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode("utf-8")
    requirements = []
    for line in metadata.splitlines():
        if line.startswith("Requires-Dist:"):
            requirement = line.split(":", 1)[1].strip()
            if "extra ==" not in requirement.replace('"', "'"):
                requirements.append(requirement)
    return requirements


# --- content tags -------------------------------------------------------------------------------


def content_tag(
    root: Path,
    paths: Iterable[str],
    *,
    extra: Mapping[str, str] = {},  # noqa: B006 - read only
) -> str:
    """12 hex digits of sha256 over the files below ``paths`` (relative to ``root``) and ``extra``.

    ``__pycache__``, ``*.pyc`` and ``.env`` files are left out, as the build context
    leaves them out.
    """
    digest = hashlib.sha256()
    for key in sorted(extra):
        digest.update(f"{key}={extra[key]}\0".encode())
    for relative in sorted(set(paths)):
        base = root / relative
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in files:
            parts = path.relative_to(root).parts
            if "__pycache__" in parts or path.suffix == ".pyc" or path.name.startswith(".env"):
                continue
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(_digest_file(path).encode() + b"\0")
    return digest.hexdigest()[:12]


def _digest_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- offline mode -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WheelhouseRole:
    """One image's wheelhouse: its requirement files (relative to the generated package)."""

    name: str
    requirement_files: tuple[str, ...]
    with_pulpo: bool  # add the Pulpo wheel's own requirements


WHEELHOUSE_ROLES = {
    "api": WheelhouseRole(
        "api", ("stack/requirements.txt", "stack/test-requirements.txt"), with_pulpo=True
    ),
    "flows": WheelhouseRole(
        "flows", ("stack/requirements.txt", "stack/flows-requirements.txt"), with_pulpo=True
    ),
    "mongodb": WheelhouseRole(
        "mongodb", ("stack/offline/mongodb-requirements.txt",), with_pulpo=False
    ),
    "prefect": WheelhouseRole(
        "prefect", ("stack/offline/prefect-server-requirements.txt",), with_pulpo=False
    ),
}


def prepare_offline(
    client: Any,
    generated: Path,
    wheel: Path,
    report: Reporter,
    *,
    roles: Iterable[str] = ("api", "flows", "mongodb", "prefect"),
) -> dict[str, str]:
    """Build (or find) the local base images and wheelhouses; return the Compose variables."""
    with cache_lock():
        ensure_debian_image(client, report)
        ensure_python_image(client, report)
        variables = {
            "PULPO_PYTHON_IMAGE": OFFLINE_PYTHON_IMAGE,
            "PULPO_PIP_OPTIONS": OFFLINE_PIP_OPTIONS,
        }
        for name in roles:
            role = WHEELHOUSE_ROLES[name]
            if not all((generated / file).is_file() for file in role.requirement_files):
                continue  # e.g. no flows module, so no flows-requirements.txt
            variables[f"PULPO_{name.upper()}_WHEELHOUSE"] = ensure_wheelhouse(
                client, role, generated, wheel, report
            )
    return variables


def ensure_debian_image(client: Any, report: Reporter) -> str:
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
    with report.step(f"offline: importing {DEBIAN_IMAGE} from {tarball}"):
        client.api.import_image_from_file(
            str(tarball),
            repository=DEBIAN_IMAGE.split(":")[0],
            tag=DEBIAN_IMAGE.split(":")[1],
            changes=['CMD ["bash"]'],
        )
    return DEBIAN_IMAGE


def _run_streaming(command: list[str], step: Step) -> tuple[int, list[str]]:
    """Run ``command``, each output line becoming the step's detail; (status, last lines)."""
    tail: list[str] = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip():
                step.update(line)
                tail = [*tail[-19:], line.rstrip()]
    return process.returncode, tail


def ensure_python_image(client: Any, report: Reporter) -> str:
    """``pulpo-offline/python:3.11-bookworm``: Debian's python3 and venv (apt over HTTP)."""
    if image_exists(client, OFFLINE_PYTHON_IMAGE):
        return OFFLINE_PYTHON_IMAGE
    with (
        report.step(f"offline: building {OFFLINE_PYTHON_IMAGE} (Debian's Python 3.11)") as step,
        tempfile.TemporaryDirectory(prefix="pulpo-python-") as context,
    ):
        Path(context, "Dockerfile").write_text(_PYTHON_DOCKERFILE, encoding="utf-8")
        build_image(client, Path(context), OFFLINE_PYTHON_IMAGE, step=step)
    return OFFLINE_PYTHON_IMAGE


def ensure_wheelhouse(
    client: Any, role: WheelhouseRole, generated: Path, wheel: Path, report: Reporter
) -> str:
    """The tag of ``role``'s wheelhouse image, resolved and built when missing."""
    requirements: list[str] = []
    if role.with_pulpo:
        requirements += wheel_requirements(wheel)
    for file in role.requirement_files:
        for line in (generated / file).read_text(encoding="utf-8").splitlines():
            requirement = _COMMENT.sub("", line).strip()
            if requirement:
                requirements.append(requirement)
    python_id = client.images.get(OFFLINE_PYTHON_IMAGE).id
    key = hashlib.sha256(
        json.dumps({"python": python_id, "requirements": requirements}).encode()
    ).hexdigest()[:12]
    tag = f"{WHEELHOUSE_REPOSITORY}:{role.name}-{key}"
    if image_exists(client, tag):
        return tag
    directory = cache_dir() / "wheelhouses" / f"{role.name}-{key}"
    title = f"offline: the {role.name} wheelhouse ({len(requirements)} requirements)"
    with report.step(title) as step:
        if not (directory / ".complete").is_file():
            shutil.rmtree(directory, ignore_errors=True)
            (directory / "wheels").mkdir(parents=True)
            (directory / "requirements.txt").write_text("\n".join(requirements) + "\n")
            _resolve_in_container(client, directory, step)
            (directory / ".complete").write_text(tag + "\n")
        (directory / "Dockerfile").write_text(_WHEELHOUSE_DOCKERFILE, encoding="utf-8")
        (directory / ".dockerignore").write_text("*\n!wheels\n", encoding="utf-8")
        build_image(
            client, directory, tag, buildargs={"PYTHON_IMAGE": OFFLINE_PYTHON_IMAGE}, step=step
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


def _resolve_in_container(client: Any, directory: Path, step: Step) -> None:
    """``pip wheel`` the requirements inside the offline Python image, into ``directory``.

    pip's output is the step's detail while it runs, and the error's when it fails.
    """

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
        OFFLINE_PYTHON_IMAGE,
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
        with contextlib.suppress(Exception):
            container.remove(force=True)
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


def build_step(line: str) -> str | None:
    """The step a line of ``docker build`` output starts, e.g. ``Step 7/15 : RUN pip ...``."""
    line = line.strip()
    return line if _BUILD_STEP.match(line) else None


def build_image(
    client: Any,
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


def image_labels(client: Any, reference: str) -> dict[str, str]:
    image = client.images.get(reference)
    return dict(image.labels or {})
