"""A corpus of malformed projects: each mistake is one line at the user's file:line.

``tests/projects/malformed/base`` is a small valid shop. Each other folder there holds
the files that, laid over a copy of the base, break it in one way; the line at fault
carries a ``# expect: CODE`` comment. For every case: the base compiles, the case is
laid over it, and ``pulpo compile`` must exit 2, report the expected code at that
file and line (as printed from the project's directory), print nothing but
diagnostics and the closing error line, and leave the earlier output exactly as it
was, with no staging directory behind.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.reliability

SUITE = "malformed projects"
CORPUS = Path(__file__).resolve().parents[1] / "projects" / "malformed"
CASES = sorted(path.name for path in CORPUS.iterdir() if path.is_dir() and path.name != "base")
PULPO = str(Path(sys.executable).with_name("pulpo"))
EXPECT = re.compile(r"#\s*expect:\s*([A-Z_]+)")
DIAGNOSTIC = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+): (?P<code>[A-Z_]+) .+$")


def test_the_corpus_is_large_and_every_case_says_what_it_expects() -> None:
    assert len(CASES) >= 20
    for case in CASES:
        assert expected(CORPUS / case), f"{case} has no '# expect: CODE' line"


def expected(case: Path) -> set[tuple[str, int, str]]:
    """(file, line, code) of every ``# expect:`` marker in a case's files."""
    found = set()
    for path in sorted(case.rglob("*")):
        if path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if match := EXPECT.search(line):
                    found.add((path.relative_to(case).as_posix(), number, match.group(1)))
    return found


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def compile_project(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PULPO, "compile", "."],
        cwd=project,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("case", CASES)
def test_a_malformed_project_is_refused_at_its_line(case: str, tmp_path: Path) -> None:
    project = tmp_path / "shop"
    shutil.copytree(CORPUS / "base", project)
    first = compile_project(project)
    assert first.returncode == 0, first.stderr
    before = snapshot(project / "generated")
    shutil.copytree(CORPUS / case, project, dirs_exist_ok=True)

    result = compile_project(project)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and "nothing was written" in lines[-1], lines
    reported = set()
    for line in lines[:-1]:
        match = DIAGNOSTIC.match(line)
        assert match, f"not a diagnostic line: {line!r}"
        reported.add((match["path"], int(match["line"]), match["code"]))
    assert expected(CORPUS / case) <= reported, "\n".join(lines)
    assert snapshot(project / "generated") == before, "the earlier output changed"
    leftovers = [path.name for path in project.iterdir() if path.name.startswith(".generated")]
    assert leftovers == [], leftovers
