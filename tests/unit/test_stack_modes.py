"""Dev mode's settings and what its images' tags cover; the plain-line progress reporter."""

from pathlib import Path

import pytest

from pulpo.stack.compose import Stack
from pulpo.stack.images import image_inputs
from pulpo.stack.progress import Lines
from pulpo.stack.services import named

pytestmark = pytest.mark.unit


def project(root: Path, dotenv: str | None = None) -> Path:
    (root / "shop").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.pulpo]\nname = "shop"\n')
    if dotenv is not None:
        (root / ".env").write_text(dotenv)
    return root


@pytest.mark.parametrize(
    ("dotenv", "environment", "explicit", "dev"),
    [
        (None, None, None, False),
        ("PULPO_DEV=1\n", None, None, True),
        (None, "yes", None, True),
        ("PULPO_DEV=1\n", "0", None, False),  # the environment wins over .env
        (None, "1", False, False),  # --no-dev wins over both
        (None, None, True, True),
    ],
)
def test_dev_mode_from_the_option_the_environment_or_the_env_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dotenv: str | None,
    environment: str | None,
    explicit: bool | None,
    dev: bool,
) -> None:
    monkeypatch.delenv("PULPO_OFFLINE", raising=False)
    if environment is None:
        monkeypatch.delenv("PULPO_DEV", raising=False)
    else:
        monkeypatch.setenv("PULPO_DEV", environment)
    stack = Stack.load(project(tmp_path, dotenv), dev=explicit)
    assert stack.dev is dev
    expected = ["docker-compose.yml", *(["docker-compose.dev.yml"] if dev else [])]
    assert [path.name for path in stack.compose_files()] == expected


def test_the_dev_override_comes_last(tmp_path: Path) -> None:
    stack = Stack.load(project(tmp_path), offline=True, test=True, dev=True)
    assert [path.name for path in stack.compose_files()] == [
        "docker-compose.yml",
        "docker-compose.test.yml",
        "docker-compose.offline.yml",
        "docker-compose.dev.yml",
    ]


def test_dev_images_are_tagged_by_what_they_install_not_by_the_code(tmp_path: Path) -> None:
    root = project(tmp_path)
    copied = Stack.load(root, dev=False)
    assert image_inputs(copied, named("api")) == ["shop", "generated", ".pulpo/dist"]
    mounted = Stack.load(root, dev=True)
    assert image_inputs(mounted, named("api")) == [
        "generated/stack/api.Dockerfile",
        "generated/stack/requirements.txt",
        "generated/stack/test-requirements.txt",
        ".pulpo/dist",
    ]
    assert "generated/stack/flows-requirements.txt" in image_inputs(mounted, named("flows"))
    assert not any(path.startswith("shop") for path in image_inputs(mounted, named("flows")))


def test_lines_say_when_a_step_starts_and_how_long_it_took() -> None:
    written: list[str] = []
    report = Lines(written.append, interval=0)
    report.say("compiled")
    with report.step("api: building") as step:
        step.update("Step 1/3 : FROM python")
        step.update("Step 1/3 : FROM python")  # unchanged: not repeated
        step.update("")  # nothing new: nothing written
    assert written[:2] == ["compiled", "api: building ..."]
    assert written[2].startswith("  api: building: Step 1/3 : FROM python (")  # then the clock
    assert len(written) == 4 and written[3].startswith("api: building: done in ")


def test_a_failed_step_says_so_and_lets_the_error_through() -> None:
    written: list[str] = []
    with pytest.raises(RuntimeError), Lines(written.append).step("resolving") as step:
        step.update("Collecting fastapi")  # within the interval: not written
        raise RuntimeError("pip failed")
    assert written[0] == "resolving ..."
    assert written[1].startswith("resolving: failed after ") and len(written) == 2
