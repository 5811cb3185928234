"""How `pulpo up` reads a project's stack settings: offline mode and the project's .env."""

from pathlib import Path

import pytest

from pulpo.stack.compose import Stack

pytestmark = pytest.mark.unit


def project(root: Path, table: str = "", dotenv: str | None = None) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text(f'[tool.pulpo]\nname = "shop"\n{table}')
    if dotenv is not None:
        (root / ".env").write_text(dotenv)
    return root


def test_online_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULPO_OFFLINE", raising=False)
    stack = Stack.load(project(tmp_path / "shop"))
    assert stack.offline is False
    assert [path.name for path in stack.compose_files()] == ["docker-compose.yml"]


@pytest.mark.parametrize(
    ("table", "dotenv", "environment"),
    [
        ("offline = true\n", None, None),
        ("", "# stand-ins\nPULPO_OFFLINE=1\n", None),
        ("", "export PULPO_OFFLINE='yes'\n", None),
        ("", None, "true"),
    ],
)
def test_offline_from_the_settings_the_env_file_or_the_environment(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    table: str,
    dotenv: str | None,
    environment: str | None,
) -> None:
    monkeypatch.delenv("PULPO_OFFLINE", raising=False)
    if environment is not None:
        monkeypatch.setenv("PULPO_OFFLINE", environment)
    stack = Stack.load(project(tmp_path / "shop", table, dotenv))
    assert stack.offline is True
    assert stack.compose_files()[-1].name == "docker-compose.offline.yml"


def test_the_command_line_flag_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULPO_OFFLINE", "1")
    assert Stack.load(project(tmp_path / "shop"), offline=False).offline is False


def test_env_file_values_are_read_as_compose_reads_them(tmp_path: Path) -> None:
    dotenv = 'PULPO_API_PORT=18100\nexport PULPO_DATABASE="shop_prod"\n# a comment\n'
    stack = Stack.load(project(tmp_path / "shop", dotenv=dotenv))
    assert stack.setting("PULPO_API_PORT", "18000") == "18100"
    assert stack.setting("PULPO_DATABASE", "shop") == "shop_prod"
    assert stack.setting("PULPO_MONGODB_PORT", "27018") == "27018"
