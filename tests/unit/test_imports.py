"""Every module of Pulpo imports on its own, whatever was imported before it.

An import cycle between two packages (``pulpo.generate`` and ``pulpo.stack`` once had
one) breaks only when the wrong module comes first, e.g. the ``pulpo`` command
importing the stack before the generator: each module is imported here in a fresh
interpreter state of its own.
"""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PACKAGE = Path(__file__).resolve().parents[2] / "pulpo"

SCRIPT = """
import importlib, sys
failures = []
for name in sys.argv[1:]:
    for loaded in [key for key in sys.modules if key == "pulpo" or key.startswith("pulpo.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:
        failures.append(f"{name}: {type(error).__name__}: {error}")
print("\\n".join(failures))
"""


def test_every_module_imports_first() -> None:
    modules = sorted(
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for path in PACKAGE.rglob("*.py")
        if "templates" not in path.parts
    )
    assert "pulpo.stack.files" in modules and "pulpo.cli.app" in modules
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *modules], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", result.stdout
