"""Benchmarks, printed as tables (``make bench``). Targets are read here, never in timed tests.

Compile: the Pokemon example and a synthetic project of 1,000 datamodels, each
compiled cold in its own process (discover → validate → generate → write), with
the time of each stage and the peak memory of the process.
"""

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pokemon"
console = Console(width=120)
STAGES = ("discover", "validate", "render", "format+write", "total")


def synthetic_project(root: Path, models: int, per_module: int = 100) -> Path:
    """A project of ``models`` datamodels (5 fields each, an enum, a nested model, an index)."""
    package = root / "synthetic"
    package.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.pulpo]\nname = "synthetic"\n')
    (package / "__init__.py").write_text('"""A synthetic project for benchmarks."""\n')
    (package / "common.py").write_text(
        "from enum import Enum\n\nfrom pydantic import BaseModel\n\n\n"
        "class Colour(str, Enum):\n    RED = 'red'\n    BLUE = 'blue'\n\n\n"
        "class Tag(BaseModel):\n    label: str\n    weight: int = 1\n"
    )
    for module_index in range(0, models, per_module):
        lines = [
            "from pydantic import BaseModel, Field\n",
            "from pulpo import Index, datamodel, operation",
            "from synthetic.common import Colour, Tag\n",
        ]
        for index in range(module_index, min(module_index + per_module, models)):
            lines += [
                "",
                "@datamodel(indexes=[Index('name', unique=True)])",
                f"class Thing{index}(BaseModel):",
                f'    """Synthetic model {index}."""',
                "    name: str = Field(description='Unique name.')",
                "    size: int = Field(default=0, ge=0)",
                "    colour: Colour = Colour.RED",
                "    tags: list[Tag] = []",
                "    note: str | None = None",
            ]
        lines += [
            "",
            f"@operation('synthetic.group{module_index // per_module}.count')",
            f"async def count_{module_index // per_module}(name: str, size: int = 0) -> Tag:",
            '    """Count things."""',
            "    return Tag(label=name, weight=size)",
        ]
        (package / f"things_{module_index // per_module}.py").write_text("\n".join(lines) + "\n")
    return root


def compile_once(project: Path) -> dict[str, float]:
    """Compile ``project`` in this process; stage times and peak memory."""
    from pulpo.discover import discover
    from pulpo.generate.context import build_context
    from pulpo.generate.formatting import format_tree
    from pulpo.generate.output import replace_output, staged
    from pulpo.generate.render import render_app
    from pulpo.validate import validate

    times: dict[str, float] = {}
    start = time.perf_counter()
    found = discover(project)
    times["discover"] = time.perf_counter() - start
    mark = time.perf_counter()
    valid = validate(found)
    times["validate"] = time.perf_counter() - mark
    mark = time.perf_counter()
    files = render_app(build_context(valid))
    times["render"] = time.perf_counter() - mark
    mark = time.perf_counter()
    with staged(found.output_dir, files) as staging:
        format_tree(staging, [*found.config.packages, found.config.output])
        replace_output(staging, found.output_dir)
    times["format+write"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    times["files"] = len(files)
    times["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return times


def measure(project: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--one", str(project)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--models", type=int, default=1000)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(compile_once(args.one)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        pokemon = Path(scratch, "pokemon")
        shutil.copytree(EXAMPLE, pokemon, ignore=shutil.ignore_patterns("generated", ".pulpo"))
        rows = [
            ("pokemon", 3, measure(pokemon)),
            (
                f"synthetic ×{args.models}",
                args.models,
                measure(synthetic_project(Path(scratch, "s"), args.models)),
            ),
        ]
    table = Table(title="pulpo compile (cold, one process each)")
    for column in ("project", "models", "files", "discover s", "validate s", "render s",
                   "format+write s", "total s", "peak MB"):  # fmt: skip
        table.add_column(column, justify="right" if column != "project" else "left")
    for name, models, times in rows:
        table.add_row(
            name, str(models), str(int(times["files"])),
            *(f"{times[key]:.2f}" for key in STAGES),
            f"{times['peak_mb']:.0f}",
        )  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main()
