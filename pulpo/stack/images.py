"""Make sure every image of a compiled stack exists, building only what changed.

:func:`prepare` is the build half of ``pulpo up`` (the caller has compiled the project
first). For each service of the table it decides the image's tag, and builds the
images that do not exist yet, one service at a time:

* the project's images (a :class:`~pulpo.stack.services.Build` entry: ``api``,
  ``flows``, ``test_runner``) get content tags, ``pulpo-<project>-api:<hash>``, over what
  their build reads (see :func:`image_inputs`), so an unchanged project reuses them;
* an image every project shares (the mocks', ``pulpo-mock:<hash>``) is tagged over its
  own Dockerfile, requirement file and the Pulpo wheel: built once, for every project;
* offline, the official images' stand-ins are built too, tagged ``<image>-<hash>`` over
  their own Dockerfile and requirement files; online, the official images are pulled
  by Compose, and a missing registry is said plainly instead.

The tags reach Compose as variables (``PULPO_API_IMAGE=...``) in ``stack.variables``;
each image is also tagged with the name the Compose files fall back on
(``pulpo-<project>-api:latest``, the stand-in's name), so plain ``docker compose`` runs
what ``pulpo up`` built.
"""

import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pulpo.stack import layout, pins
from pulpo.stack.compose import Stack
from pulpo.stack.engine import (
    REGISTRY_HOST,
    build_step,
    compose_command,
    docker_client,
    image_exists,
    registry_reachable,
)
from pulpo.stack.errors import ImageError, StackError
from pulpo.stack.inputs import copied_paths
from pulpo.stack.offline import prepare_offline
from pulpo.stack.progress import Lines, Reporter, Step
from pulpo.stack.services import Build, Service, wheelhouse_variable
from pulpo.stack.tags import content_tag, digest_file
from pulpo.stack.wheel import build_pulpo_wheel
from pulpo.stack.wrapper import install_test_compose

if TYPE_CHECKING:
    from docker import DockerClient

DEV_TAG = "dev-"  # dev-mode tags: dev-<hash>, over what the image installs only


@dataclass(frozen=True)
class BuiltImage:
    service: str
    tag: str
    built: bool  # False: an image with this content tag already existed


def prepare(
    stack: Stack, *, build: bool = False, report: Reporter | None = None
) -> list[BuiltImage]:
    """Make sure every image of the (compiled) stack exists; build what is new.

    ``build=True`` rebuilds them all (Docker's layer cache still applies).
    """
    report = report or Lines()
    client = docker_client()
    compose_command()
    stack.require_files()
    install_dockerignore(stack, report)
    install_test_compose(stack, report)
    wheel = build_pulpo_wheel(stack.root, report)
    services = stack.services()
    if stack.offline:
        notes = "".join(
            f"; {s.name} is {s.stand_in.note}" for s in services if s.stand_in and s.stand_in.note
        )
        report.say(f"offline: local images stand in for the official ones{notes}")
        stack.variables.update(prepare_offline(client, stack.generated, wheel, report, services))
    else:
        _require_registry(client, services)

    wanted = {service.name: _tag(stack, service) for service in services if _built(stack, service)}
    for service in services:
        if service.name in wanted:
            stack.variables[service.image_variable] = wanted[service.name]
    missing = [s for s, tag in wanted.items() if build or not image_exists(client, tag)]
    # One service at a time, so each step's output belongs to one image; services that
    # share an image (the mocks) build it once.
    built: set[str] = set()
    for service in services:
        if service.name not in missing or wanted[service.name] in built:
            continue
        tag = wanted[service.name]
        with report.step(f"{service.name}: building {tag}") as step:
            _compose_build(stack, service, step)
        built.add(tag)
        _forget_old_tags(client, tag)
    if not stack.dev:  # the fallback names are for plain Compose, which copies the code in
        for service in services:
            if service.name in wanted:
                _tag_default(client, wanted[service.name], _default_image(stack, service), report)
    return [BuiltImage(name, tag, name in missing) for name, tag in wanted.items()]


def _default_image(stack: Stack, service: Service) -> str:
    """The image Compose runs when no variable names one: its files' fallback."""
    if service.build is not None:
        return f"{service.build.shared or stack.image_prefix + '-' + service.key}:latest"
    assert service.stand_in is not None  # see _built
    return service.stand_in.image


def _built(stack: Stack, service: Service) -> bool:
    """Is the service's image built here (the project's, or offline a stand-in)?"""
    return service.build is not None or (stack.offline and service.stand_in is not None)


def _build_arguments(stack: Stack, build: Build) -> dict[str, str]:
    """What the build reads besides files: its Compose build arguments, as set now."""
    if build.wheelhouse is None:
        return {}
    variables = ("PULPO_PYTHON_IMAGE", "PULPO_PIP_OPTIONS", wheelhouse_variable(build.wheelhouse))
    return {variable: stack.setting(variable, "") for variable in variables}


def _tag(stack: Stack, service: Service) -> str:
    """The content tag of the service's image in this mode."""
    if service.build is not None and service.build.shared is not None:
        stack_dir = f"{stack.package}/{layout.STACK_DIR}"
        # Its files' bytes and the wheel's, not their paths: the same for every project.
        files = [stack.root / stack_dir / name for name in service.build.files]
        wheels = sorted((stack.root / layout.DIST_DIR).glob("pulpo-*.whl"))
        extra = {str(i): digest_file(path) for i, path in enumerate([*files, *wheels])}
        extra.update(_build_arguments(stack, service.build))
        return f"{service.build.shared}:{content_tag(stack.root, [], extra=extra)}"
    if service.build is not None:
        digest = content_tag(
            stack.root, image_inputs(stack, service), extra=_build_arguments(stack, service.build)
        )
        kind = DEV_TAG if stack.dev else ""
        return f"{stack.image_prefix}-{service.key}:{kind}{digest}"
    assert service.stand_in is not None  # see _built
    build = service.stand_in.build
    stack_dir = f"{stack.package}/{layout.STACK_DIR}"
    paths = [f"{stack_dir}/{name}" for name in build.files]
    digest = content_tag(stack.root, paths, extra=_build_arguments(stack, build))
    return f"{service.stand_in.image}-{digest}"


def image_inputs(stack: Stack, service: Service) -> list[str]:
    """The paths (relative to the project root) that a project image's content tag covers.

    By default, everything the build copies: the domain packages, the generated
    package and the Pulpo wheel, so any edit gives a new image. In dev mode the
    project is mounted over the image's copy, so only what the image *installs*
    counts: its Dockerfile, its requirement files and the Pulpo wheel. Editing the
    domain or recompiling then reuses the image, and a changed dependency still
    rebuilds it.
    """
    if service.build is None:
        raise ValueError(f"{service.name} runs an official image; nothing of the project")
    dist = layout.DIST_DIR.as_posix()
    if not stack.dev:
        copies = [path.rstrip("/") for path in copied_paths(stack.root, stack.packages)]
        tests = [] if service.build.target != "test" else _tests(stack)
        return [*copies, stack.package, dist, *tests]
    stack_dir = f"{stack.package}/{layout.STACK_DIR}"
    return [*(f"{stack_dir}/{name}" for name in service.build.files), dist]


def _tests(stack: Stack) -> list[str]:
    """What the test_runner's image copies besides: the project's tests and pyproject.toml."""
    return [p for p in ("tests", "pyproject.toml") if (stack.root / p).exists()]


def _compose_build(stack: Stack, service: Service, step: Step) -> None:
    """``docker compose build SERVICE``, each build step becoming ``step``'s detail."""
    output: list[str] = []
    with subprocess.Popen(
        stack.command("build", service.name),
        env=stack.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as process:
        assert process.stdout is not None  # stdout=PIPE
        for line in process.stdout:
            output.append(line)
            if current := build_step(line):
                step.update(current)
    if process.returncode != 0:
        raise ImageError(_build_failure("".join(output)))


def _build_failure(output: str) -> str:
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "failed" in line.lower()]
    chosen = (errors or lines)[-3:]
    return "building the stack's images failed: " + " | ".join(chosen)[-800:]


def _require_registry(client: "DockerClient", services: tuple[Service, ...]) -> None:
    """Online mode pulls the official images: say so plainly when no registry is reachable."""
    needed = [pins.PYTHON_IMAGE, *(s.image for s in services if s.image is not None)]
    if all(image_exists(client, image) for image in needed):
        return
    mirrors = (client.info().get("RegistryConfig") or {}).get("Mirrors") or []
    if not mirrors and not registry_reachable():
        raise StackError(
            f"no container registry is reachable ({REGISTRY_HOST} does not resolve), "
            "so the official images cannot be pulled: use `pulpo up --offline` "
            "(or PULPO_OFFLINE=1) to build local stand-ins"
        )


def install_dockerignore(stack: Stack, report: Reporter) -> None:
    """Put the generated allowlist at the root of the build context, unless the user has one."""
    from pulpo.generate.output import GENERATED_MARK  # what every file Pulpo writes starts with

    source = stack.generated / layout.DOCKERIGNORE
    target = stack.root / ".dockerignore"
    text = source.read_text(encoding="utf-8")
    if target.is_file():
        current = target.read_text(encoding="utf-8")
        if current == text:
            return
        if not current.startswith(GENERATED_MARK):
            report.say(f"note: {target} is your own; make sure it lets in what {source} lets in")
            return
    target.write_text(text, encoding="utf-8")


def _tag_default(client: "DockerClient", tag: str, default: str, report: Reporter) -> None:
    """Tag the image with ``default`` too: what plain ``docker compose`` (no variables) runs."""
    from docker.errors import APIError

    repository, name = default.rsplit(":", 1)
    try:
        image = client.images.get(tag)
        if default not in image.tags:
            image.tag(repository, name)
    except APIError as error:  # a convenience: the content tag is what counts
        report.say(f"note: {default} not updated ({error.explanation or error})")


def _forget_old_tags(client: "DockerClient", current: str) -> None:
    """Untag the repository's older content tags of the same mode, so rebuilds do not pile up.

    A dev image and a self-contained one live side by side, so switching modes
    rebuilds nothing. An image a container uses (another stack's, say: stand-ins
    and the mock image are shared by every project) keeps its tags, so that stack
    can still recreate its containers; the next build tries again. Docker alone
    would not protect it: an image with a second tag (``latest``) is untagged
    even while in use.
    """
    from docker.errors import APIError

    repository, version = current.rsplit(":", 1)
    dev = version.startswith(DEV_TAG)
    in_use = {
        container.attrs.get("ImageID") or container.attrs.get("Image")
        for container in client.containers.list(all=True)
    }
    for image in client.images.list(name=repository):
        if image.id in in_use:
            continue
        for tag in image.tags:
            name, other = tag.rsplit(":", 1)
            if name != repository or other in (version, "latest"):
                continue
            if other.startswith(DEV_TAG) == dev:
                try:
                    client.images.remove(tag)
                except APIError:
                    continue  # in use by a container: the next build tries again
