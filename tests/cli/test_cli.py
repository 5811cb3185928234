"""The ``pulpo`` command, run as a user runs it: the installed console script, in a subprocess.

Every error must be one readable line (one per problem for an invalid project,
plus a summary) and a non-zero exit status, never a traceback.
"""

import ast
import fcntl
import json
import os
import pty
import re
import select
import socket
import struct
import subprocess
import sys
import termios
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from project_files import copy_example, write
from pymongo import MongoClient

import pulpo

pytestmark = pytest.mark.cli

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = ROOT / "tests" / "projects"
PULPO = str(Path(sys.executable).parent / "pulpo")

OPERATIONS = [
    "pokemon.battles.trainer_execute",
    "pokemon.evolution.stage1",
    "pokemon.evolution.stage2",
    "pokemon.management.catch",
    "pokemon.management.train",
    "pokemon.management.trainer_create",
]
DIAGNOSTIC_LINE = re.compile(r"^[\w./-]+\.(py|toml):\d+: [A-Z_]+ \S.*$")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def one_error_line(self) -> str:
        """The single line a user mistake must produce on stderr."""
        assert len(self.error_lines) == 1, self.stderr
        return self.error_lines[0]


def pulpo_cli(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run the installed ``pulpo`` script; no output of it may ever be a traceback."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("MONGODB_URL", "MONGODB_DATABASE", "COLUMNS")
    }
    environment.update(env or {})
    completed = subprocess.run(
        [PULPO, *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    run = Run(completed.returncode, completed.stdout, completed.stderr)
    assert "Traceback" not in run.stdout + run.stderr, run.stdout + run.stderr
    return run


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``directory`` (bytecode caches aside): its content and mtime."""
    return {
        path.relative_to(directory).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def invalid_project(root: Path) -> Path:
    """A small project with three problems, one of them a syntax error."""
    return write(
        root,
        {
            "pyproject.toml": '[tool.pulpo]\nname = "broken_cli"\npackages = ["broken_cli_app"]\n',
            "broken_cli_app/__init__.py": "",
            "broken_cli_app/broken.py": "def oops(:\n    return 1\n",
            "broken_cli_app/models.py": """
                from pydantic import BaseModel

                from pulpo import datamodel


                @datamodel
                class Shelf(BaseModel):
                    id: str
                    item: "Item"
            """,
            "broken_cli_app/ops.py": """
                from pulpo import operation


                @operation("flat")
                def flat() -> int:
                    return 1
            """,
        },
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh, writable copy of the Pokemon example, never compiled."""
    return copy_example(tmp_path / "pokemon_project")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A compiled copy of the Pokemon example, shared by the tests that only read it."""
    root = copy_example(tmp_path_factory.mktemp("compiled") / "pokemon_project")
    result = pulpo_cli("compile", root, cwd=root.parent)
    assert result.code == 0, result.stderr
    return root


# --- version, check -----------------------------------------------------------------


@pytest.mark.parametrize("arguments", [["version"], ["--version"]])
def test_version(tmp_path: Path, arguments: list[str]) -> None:
    result = pulpo_cli(*arguments, cwd=tmp_path)

    assert result.code == 0
    assert result.stdout == f"pulpo {pulpo.__version__}\n"
    assert result.stderr == ""


def test_check_the_example(compiled: Path) -> None:
    result = pulpo_cli("check", compiled, cwd=compiled.parent)

    assert result.code == 0, result.stderr
    assert result.stdout == "ok: 3 datamodel(s), 6 operation(s)\n"
    assert result.stderr == ""


def test_check_defaults_to_the_current_directory(compiled: Path) -> None:
    result = pulpo_cli("check", cwd=compiled)

    assert result.code == 0, result.stderr
    assert result.stdout.startswith("ok: 3 datamodel(s)")


def test_check_a_bad_project_reports_every_problem_on_its_own_line(tmp_path: Path) -> None:
    root = PROJECTS / "bad_operations"
    names = (root / "bad_operations_app" / "names.py").read_text().splitlines()
    sync_def = names.index("def sync() -> Done:") + 1

    result = pulpo_cli("check", root, cwd=tmp_path)

    assert result.code == 2
    assert result.stdout == ""
    *problems, summary = result.error_lines
    assert summary == f"{len(problems)} problem(s) found"
    assert len(problems) == 23
    for line in problems:
        assert DIAGNOSTIC_LINE.match(line), line
    assert f"bad_operations_app/names.py:{sync_def}: NOT_ASYNC shop.sync: operations must be " in (
        "\n".join(problems)
    )
    codes = {line.split(" ")[1] for line in problems}
    assert codes == {
        "UNKNOWN_DEPENDENCY",
        "DEPENDENCY_CYCLE",
        "INVALID_INPUT_MAP",
        "NON_HIERARCHICAL_NAME",
        "INVALID_NAME_PART",
        "NOT_ASYNC",
        "DUPLICATE_OPERATION",
        "NAME_CONFLICT",
        "INVALID_RUN_OPTION",
        "INVALID_EXAMPLE",
        "MISSING_PARAMETER_TYPE",
        "MISSING_RETURN_TYPE",
        "UNSUPPORTED_PARAMETER",
        "UNSUPPORTED_DEFAULT",
        "UNSUPPORTED_FIELD_TYPE",
        "INVALID_RETURN_TYPE",
    }
    # Sorted by file, then line.
    places = [(line.split(":")[0], int(line.split(":")[1])) for line in problems]
    assert places == sorted(places)


def test_check_a_project_with_a_syntax_error(tmp_path: Path) -> None:
    root = invalid_project(tmp_path / "broken")

    result = pulpo_cli("check", root, cwd=tmp_path)

    assert result.code == 2
    assert result.error_lines == [
        "broken/broken_cli_app/broken.py:1: IMPORT_ERROR importing broken_cli_app.broken: "
        "SyntaxError: invalid syntax",
        "broken/broken_cli_app/models.py:9: UNKNOWN_MODEL Shelf.item: unknown type 'Item'",
        "broken/broken_cli_app/ops.py:4: NON_HIERARCHICAL_NAME 'flat': an operation name needs "
        "a group and a name, e.g. 'pokemon.management.flat'",
        "broken/broken_cli_app/ops.py:5: INVALID_RETURN_TYPE flat: returns <class 'int'>; an "
        "operation must return a pydantic model",
        "broken/broken_cli_app/ops.py:5: NOT_ASYNC flat: operations must be 'async def' functions",
        "5 problem(s) found",
    ]


@pytest.mark.parametrize("where", ["project", "package", "parent", "elsewhere"])
def test_check_prints_paths_that_open_from_the_current_directory(
    tmp_path: Path, where: str
) -> None:
    root = invalid_project(tmp_path / "broken")
    cwd = {
        "project": root,
        "package": root / "broken_cli_app",
        "parent": tmp_path,
        "elsewhere": write(tmp_path / "unrelated", {"notes.txt": ""}),
    }[where]

    result = pulpo_cli("check", root, cwd=cwd)

    assert result.code == 2
    *problems, _ = result.error_lines
    shown = [line.split(":")[0] for line in problems]
    assert len(shown) == 5
    for path in shown:
        assert (cwd / path).is_file(), (where, path)  # cwd / an absolute path is that path
        assert Path(path).is_absolute() == (where == "elsewhere"), (where, path)
    assert (
        shown[0]
        == {
            "project": "broken_cli_app/broken.py",
            "package": "broken.py",
            "parent": "broken/broken_cli_app/broken.py",
            "elsewhere": str(root.resolve() / "broken_cli_app" / "broken.py"),
        }[where]
    )


def test_check_reports_a_broken_module_once_with_the_modules_it_breaks(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "pokemon_project")
    models = root / "pokemon" / "models.py"
    lines = models.read_text(encoding="utf-8").splitlines()
    first_class = next(number for number, line in enumerate(lines) if line.startswith("class "))
    lines[first_class] = lines[first_class].replace("(", "((", 1)  # a syntax error
    models.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = pulpo_cli("check", root, cwd=root)

    assert result.code == 2
    assert len(result.error_lines) == 2, result.stderr
    problem, summary = result.error_lines
    assert problem.startswith(
        f"pokemon/models.py:{first_class + 1}: IMPORT_ERROR importing pokemon.models: SyntaxError: "
    )
    broken = re.fullmatch(r".*\(also breaks (.*)\)", problem)
    assert broken is not None, problem
    assert {"pokemon.battles", "pokemon.evolution", "pokemon.management"} <= set(
        broken.group(1).split(", ")
    )
    assert summary == "1 problem(s) found"


@pytest.mark.parametrize("command", ["check", "compile", "graph", "clean", "serve"])
def test_a_missing_project_directory(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "no_such_project"

    result = pulpo_cli(command, missing, cwd=tmp_path)

    assert result.code == 2
    assert result.one_error_line() == f"error: {missing}: not a project directory"
    assert not missing.exists()


def test_invalid_settings_are_one_line(tmp_path: Path) -> None:
    root = write(tmp_path / "settings", {"pyproject.toml": '[tool.pulpo]\nname = "x"\ncolor = 1\n'})

    result = pulpo_cli("check", root, cwd=tmp_path)

    assert result.code == 2
    assert result.one_error_line() == (
        f"error: {root / 'pyproject.toml'}: [tool.pulpo] color: Extra inputs are not permitted"
    )


# --- compile ------------------------------------------------------------------------


def test_compile_writes_the_package_then_changes_nothing(project: Path) -> None:
    first = pulpo_cli("compile", project, cwd=project.parent)

    assert first.code == 0, first.stderr
    output = project / "generated"
    files = snapshot(output)
    assert {"__init__.py", "app.py", "settings.py"} <= set(files)
    count = len(files)
    assert first.stdout == f"compiled pokemon_project/generated: {count} files, {count} changed\n"
    assert files["__init__.py"][0].startswith(b"# Generated by Pulpo")

    second = pulpo_cli("compile", project, cwd=project.parent)

    assert second.code == 0, second.stderr
    assert second.stdout == f"compiled pokemon_project/generated: {count} files, unchanged\n"
    assert snapshot(output) == files  # same bytes, same modification times
    assert sorted(p.name for p in project.iterdir()) == [
        "README.md",
        "generated",
        "pokemon",
        "pyproject.toml",
    ]


def test_compile_check_is_clean_when_current(compiled: Path) -> None:
    before = snapshot(compiled / "generated")

    result = pulpo_cli("compile", "--check", compiled, cwd=compiled.parent)

    assert result.code == 0, result.stderr
    assert result.stdout == f"pokemon_project/generated is up to date ({len(before)} files)\n"
    assert snapshot(compiled / "generated") == before


def test_compile_check_names_an_edited_file_and_writes_nothing(project: Path) -> None:
    assert pulpo_cli("compile", project, cwd=project.parent).code == 0
    app = project / "generated" / "app.py"
    app.write_text(app.read_text() + "\n# edited by hand\n")
    before = snapshot(project / "generated")

    result = pulpo_cli("compile", "--check", project, cwd=project.parent)

    assert result.code == 1
    assert result.stdout == ""
    assert result.error_lines == [
        "out of date: pokemon_project/generated/app.py",
        f"pokemon_project/generated is out of date; run `pulpo compile {project}`",
    ]
    assert snapshot(project / "generated") == before


def test_compile_check_before_any_compile_lists_every_file(project: Path) -> None:
    result = pulpo_cli("compile", "--check", project, cwd=project.parent)

    assert result.code == 1
    *missing, summary = result.error_lines
    assert "out of date: pokemon_project/generated/app.py" in missing
    assert len(missing) > 5
    assert summary.startswith("pokemon_project/generated is out of date")
    assert not (project / "generated").exists()


def test_compile_check_of_an_invalid_project(tmp_path: Path) -> None:
    root = invalid_project(tmp_path / "broken")

    result = pulpo_cli("compile", "--check", root, cwd=tmp_path)

    assert result.code == 2
    assert len(result.error_lines) == 6
    assert not (root / "generated").exists()


def test_compile_of_an_invalid_project_writes_nothing(tmp_path: Path) -> None:
    root = invalid_project(tmp_path / "broken")
    before = sorted(
        path.relative_to(root) for path in root.rglob("*") if "__pycache__" not in path.parts
    )

    result = pulpo_cli("compile", root, cwd=tmp_path)

    assert result.code == 2
    *problems, summary = result.error_lines
    assert len(problems) == 5
    assert all(DIAGNOSTIC_LINE.match(line) for line in problems), problems
    assert summary == "error: 5 problem(s) found; nothing was written"
    after = sorted(
        path.relative_to(root) for path in root.rglob("*") if "__pycache__" not in path.parts
    )
    assert after == before


def test_a_failed_compile_leaves_the_previous_output_untouched(project: Path) -> None:
    assert pulpo_cli("compile", project, cwd=project.parent).code == 0
    before = snapshot(project / "generated")
    write(
        project,
        {
            "pokemon/extra.py": """
                from pulpo import operation


                @operation("pokemon.extra.sync")
                def sync() -> int:
                    return 1
            """
        },
    )

    result = pulpo_cli("compile", project, cwd=project.parent)

    assert result.code == 2
    assert result.error_lines[-1] == "error: 2 problem(s) found; nothing was written"
    assert snapshot(project / "generated") == before
    leftovers = [p.name for p in project.iterdir() if p.name.startswith(".generated")]
    assert leftovers == []


def test_compile_refuses_to_replace_a_directory_it_did_not_generate(project: Path) -> None:
    mine = write(project, {"generated/notes.py": "NOTES = 'mine'\n"}) / "generated"
    before = snapshot(mine)

    result = pulpo_cli("compile", project, cwd=project.parent)

    assert result.code != 0
    assert result.one_error_line() == (
        f"error: {mine}: exists and was not generated by Pulpo; move it or set [tool.pulpo] output"
    )
    assert snapshot(mine) == before
    assert sorted(p.name for p in project.iterdir()) == [
        "README.md",
        "generated",
        "pokemon",
        "pyproject.toml",
    ]


# --- graph, ops list ----------------------------------------------------------------


def test_graph_prints_both_mermaid_diagrams(compiled: Path) -> None:
    result = pulpo_cli("graph", compiled, cwd=compiled.parent)

    assert result.code == 0, result.stderr
    models, operations = result.stdout.split("\n\n", 1)
    assert models.startswith("```mermaid\nclassDiagram\n")
    assert "    class Pokemon {\n        <<datamodel>>" in models
    assert "    class Trainer {\n        <<datamodel>>" in models
    assert "    class FightResult {" in models
    assert "        +list~str~ attacks" in models
    assert "    FightResult *-- Round : rounds" in models
    assert operations.startswith("```mermaid\nflowchart TD\n")
    assert 'subgraph pokemon_evolution["pokemon.evolution"]' in operations
    assert "pokemon_evolution_stage1 --> pokemon_evolution_stage2" in operations
    assert operations.count("-->") == 1
    assert result.stdout.rstrip().endswith("```")


@pytest.mark.parametrize(
    ("what", "kind"), [("models", "classDiagram"), ("operations", "flowchart")]
)
def test_graph_of_one_kind(compiled: Path, what: str, kind: str) -> None:
    result = pulpo_cli("graph", compiled, "--what", what, cwd=compiled.parent)

    assert result.code == 0, result.stderr
    assert result.stdout.startswith(f"```mermaid\n{kind}")
    assert result.stdout.count("```mermaid") == 1


def test_graph_rejects_an_unknown_kind(compiled: Path) -> None:
    result = pulpo_cli("graph", compiled, "--what", "tables", cwd=compiled.parent)

    assert result.code == 1
    assert (
        result.one_error_line() == "error: --what must be models, operations or all, not 'tables'"
    )


def test_graph_of_an_invalid_project(tmp_path: Path) -> None:
    result = pulpo_cli("graph", invalid_project(tmp_path / "broken"), cwd=tmp_path)

    assert result.code == 2
    assert result.stdout == ""
    assert result.error_lines[-1] == "error: 5 problem(s) found; nothing was written"


@dataclass
class Declared:
    """An ``@operation`` as its source spells it, read with ``ast`` rather than by Pulpo."""

    name: str
    inputs: list[str]  # "parameter: "
    summary: str  # the docstring's first line


def declared_operations(project: Path) -> list[Declared]:
    found = []
    for path in sorted(project.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "operation":
                    found.append(
                        Declared(
                            name=ast.literal_eval(decorator.args[0]),
                            # The name, as ``ops list`` writes it before the type
                            # (which it writes resolved: ``TrainerName`` is a ``str``).
                            inputs=[f"{arg.arg}: " for arg in node.args.args],
                            summary=(ast.get_docstring(node) or "").splitlines()[0],
                        )
                    )
    return found


def in_terminal(*args: str | Path, cwd: Path, columns: int) -> Run:
    """Run ``pulpo`` on a pseudo-terminal ``columns`` wide (stdout and stderr both on it).

    Its output comes back with colours removed and ``\r\n`` as ``\n``.
    """
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    environment = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    process = subprocess.Popen(
        [PULPO, *map(str, args)], cwd=cwd, env=environment, stdout=follower, stderr=follower
    )
    os.close(follower)
    chunks = []
    while select.select([leader], [], [], 90)[0]:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the command exited and closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    text = b"".join(chunks).decode().replace("\r\n", "\n")
    run = Run(process.wait(timeout=90), re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text), "")
    assert "Traceback" not in run.stdout, run.stdout
    return run


NARROW = {
    "a terminal of 80 columns": {"columns": 80},
    "a pipe": {},
    "a pipe, COLUMNS=80": {"env": {"COLUMNS": "80"}},
}


def narrow_output(where: str, *args: str | Path, cwd: Path) -> str:
    """What ``pulpo *args`` prints at 80 columns, on a terminal or into a pipe."""
    how: dict[str, object] = NARROW[where]
    if "columns" in how:
        result = in_terminal(*args, cwd=cwd, columns=80)
    else:
        result = pulpo_cli(*args, cwd=cwd, env=how.get("env"))  # type: ignore[arg-type]
    assert result.code == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize("where", list(NARROW))
def test_ops_list_at_80_columns_keeps_every_name_input_and_description_whole(
    compiled: Path, where: str
) -> None:
    declared = declared_operations(compiled / "pokemon")
    assert sorted(operation.name for operation in declared) == sorted(OPERATIONS)

    output = narrow_output(where, "ops", "list", compiled, cwd=compiled.parent)

    lines = output.splitlines()
    for operation in declared:
        assert operation.name in lines, output  # the heading of its record
        for item in operation.inputs:
            assert item in output, (item, output)
        assert operation.summary in output, (operation.summary, output)
    assert "│" not in output  # records, not a squeezed table


def test_ops_list_is_a_table_when_it_fits(compiled: Path) -> None:
    result = pulpo_cli("ops", "list", compiled, cwd=compiled.parent, env={"COLUMNS": "300"})

    assert result.code == 0, result.stderr
    for operation in declared_operations(compiled / "pokemon"):
        assert re.search(rf"│ {re.escape(operation.name)} +│", result.stdout), operation.name
        assert re.search(rf"│ {re.escape(operation.summary)} +│", result.stdout), operation.summary
    for output in ("BattleOutcome", "Evolution", "TrainerCreated", "CatchResult", "TrainResult"):
        assert re.search(rf"│ {output} +│", result.stdout), output


@pytest.mark.parametrize("where", list(NARROW))
def test_flows_list_at_80_columns_keeps_every_flow_whole(compiled: Path, where: str) -> None:
    groups = {name.rsplit(".", depth)[0] for name in OPERATIONS for depth in (1, 2)}

    output = narrow_output(where, "flows", "list", compiled, cwd=compiled.parent)

    lines = output.splitlines()
    for name in sorted(groups) + OPERATIONS:
        assert name in lines, (name, output)
    assert "stage1 → stage2" in output
    assert "trainer_create, catch, train" in output


# --- ops run ------------------------------------------------------------------------


@pytest.fixture
def database_env(mongodb_url: str, database_name: str) -> dict[str, str]:
    return {"MONGODB_URL": mongodb_url, "MONGODB_DATABASE": database_name}


@pytest.fixture
def trainer_name() -> Iterator[str]:
    yield f"Ash-{uuid.uuid4().hex[:8]}"


def test_ops_run_prints_the_output_and_stores_in_the_given_database(
    compiled: Path, database_env: dict[str, str], trainer_name: str, mongodb_url: str
) -> None:
    payload = json.dumps({"trainer_name": trainer_name, "region": "kanto"})  # any casing

    result = pulpo_cli(
        "ops",
        "run",
        "pokemon.management.trainer_create",
        compiled,
        "--input",
        payload,
        cwd=compiled.parent,
        env=database_env,
    )

    assert result.code == 0, result.stderr
    output = json.loads(result.stdout)
    assert output == {
        "trainer_id": output["trainer_id"],
        "trainer_name": trainer_name,
        "region": "Kanto",
    }
    assert re.fullmatch(r"[0-9a-f]{24}", output["trainer_id"])
    client: MongoClient[dict[str, object]] = MongoClient(mongodb_url, serverSelectionTimeoutMS=5000)
    try:
        stored = list(client[database_env["MONGODB_DATABASE"]]["trainers"].find())
    finally:
        client.close()
    assert [(str(doc["_id"]), doc["name"]) for doc in stored] == [
        (output["trainer_id"], trainer_name)
    ]

    elsewhere = json.dumps({"trainer_name": trainer_name, "region": "Johto"})
    again = pulpo_cli(
        "ops",
        "run",
        "pokemon.management.trainer_create",
        compiled,
        "-i",
        elsewhere,
        cwd=compiled.parent,
        env=database_env,
    )

    assert again.code == 1
    assert again.stdout == ""
    assert again.one_error_line() == (
        "error: pokemon.management.trainer_create failed (409): "
        f"Trainer {trainer_name!r} is registered in Kanto, not Johto"
    )


def test_ops_run_without_input_runs_the_first_example(
    compiled: Path, database_env: dict[str, str]
) -> None:
    result = pulpo_cli(
        "ops", "run", "pokemon.management.catch", compiled, cwd=compiled.parent, env=database_env
    )

    assert result.code == 0, result.stderr
    assert result.stderr.strip() == (
        "no --input: running pokemon.management.catch with its example input "
        '{"trainer_name": "Ash", "pokemon_name": "Charmander", "element": "Fire"}'
    )
    output = json.loads(result.stdout)
    assert (output["success"], output["pokemon_name"]) == (True, "Charmander")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            '{"trainer_name": "Misty"}',
            "error: invalid input for pokemon.management.trainer_create: region: Field required",
        ),
        (
            '{"trainer_name": "Misty", "region": "atlantis"}',
            "error: invalid input for pokemon.management.trainer_create: region: Input should be",
        ),
        (
            '{"trainer_name": "Misty", "region": "kanto", "age": 10}',
            "error: invalid input for pokemon.management.trainer_create: age: Extra inputs",
        ),
        (
            '{"trainer_name": "Misty"',
            "error: invalid input for pokemon.management.trainer_create: input: Invalid JSON",
        ),
    ],
)
def test_ops_run_rejects_invalid_input_in_one_line(
    compiled: Path, database_env: dict[str, str], payload: str, expected: str
) -> None:
    result = pulpo_cli(
        "ops",
        "run",
        "pokemon.management.trainer_create",
        compiled,
        "--input",
        payload,
        cwd=compiled.parent,
        env=database_env,
    )

    assert result.code == 2
    assert result.stdout == ""
    assert result.one_error_line().startswith(expected)


def test_ops_run_an_unknown_operation(compiled: Path, database_env: dict[str, str]) -> None:
    result = pulpo_cli(
        "ops",
        "run",
        "pokemon.management.fly",
        compiled,
        cwd=compiled.parent,
        env=database_env,
    )

    assert result.code != 0
    assert result.one_error_line() == (
        f"error: unknown operation 'pokemon.management.fly' (known: {', '.join(OPERATIONS)})"
    )


# --- the project argument -----------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        (["ops", "run"], r"usage: pulpo ops run \[options\] \W?name\W? \[project\]\s"),
        (["flows", "run"], r"usage: pulpo flows run \[options\] \W?name\W? \[project\]\s"),
        (["logs"], r"usage: pulpo logs \[options\] \[project\] \[service\]\s"),
    ],
)
def test_the_project_is_a_positional_argument_everywhere(
    tmp_path: Path, command: list[str], usage: str
) -> None:
    result = pulpo_cli(*command, "--help", cwd=tmp_path, env={"COLUMNS": "200"})

    assert result.code == 0, result.stderr
    assert re.search(usage, result.stdout.lower()), result.stdout  # Typer styles NAME per version
    assert "--project" not in result.stdout


def test_logs_with_a_service_in_place_of_the_project_says_how_to_call_it(tmp_path: Path) -> None:
    result = pulpo_cli("logs", "api", cwd=tmp_path)

    assert result.code == 2
    assert result.one_error_line() == (
        "error: api: not a project directory "
        "(to name a service, give the project first: `pulpo logs . api`)"
    )


# --- clean, serve -------------------------------------------------------------------


def test_clean_removes_the_output(project: Path) -> None:
    assert pulpo_cli("compile", project, cwd=project.parent).code == 0

    result = pulpo_cli("clean", project, cwd=project.parent)

    assert result.code == 0, result.stderr
    assert result.stdout == f"removed {project / 'generated'}\n"
    assert not (project / "generated").exists()
    assert (project / "pokemon" / "models.py").is_file()

    again = pulpo_cli("clean", project, cwd=project.parent)

    assert again.code == 0
    assert again.stdout == "nothing to remove\n"


def test_clean_refuses_a_directory_it_did_not_generate(project: Path) -> None:
    mine = write(project, {"generated/notes.py": "NOTES = 'mine'\n"}) / "generated"

    result = pulpo_cli("clean", project, cwd=project.parent)

    assert result.code != 0
    assert "was not generated by Pulpo" in result.one_error_line()
    assert (mine / "notes.py").read_text() == "NOTES = 'mine'\n"


def test_serve_a_project_that_was_not_compiled(project: Path) -> None:
    result = pulpo_cli("serve", project, cwd=project.parent)

    assert result.code != 0
    assert result.one_error_line() == (
        f"error: {project / 'generated'} not found: run `pulpo compile {project}` first"
    )
    assert not (project / ".pulpo").exists()


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"PULPO_AUTH": "api-key"}, "PULPO_AUTH=api-key needs API keys"),
        ({"PULPO_AUTH": "open"}, "PULPO_AUTH: Input should be 'none', 'api-key'"),
    ],
)
def test_serve_refuses_settings_that_would_not_protect_in_one_line(
    compiled: Path, env: dict[str, str], says: str
) -> None:
    result = pulpo_cli("serve", compiled, cwd=compiled.parent, env=env)

    assert result.code != 0
    assert result.stdout == ""  # refused before the database was started (it says "database:")
    line = result.one_error_line()
    assert line.startswith("error: the API's settings: ") and says in line, line


def test_serve_on_a_port_in_use(compiled: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = pulpo_cli("serve", compiled, "--port", str(port), cwd=compiled.parent)

    assert result.code != 0
    assert result.stdout == ""
    assert result.one_error_line() == (
        f"error: port {port} on 127.0.0.1 is already in use; pick another with --port"
    )
