"""The Pulpo wheel the project's images install: Pulpo is not on PyPI.

:func:`build_pulpo_wheel` builds it from Pulpo's source with hatchling into the
project's ``.pulpo/dist`` (:data:`pulpo.stack.layout.DIST_DIR`), where the
Dockerfiles copy it from. The build is reproducible: an unchanged Pulpo gives a
byte-identical wheel, so the images' content tags and layers stay as they were.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from pulpo.stack.errors import ImageError
from pulpo.stack.layout import DIST_DIR
from pulpo.stack.progress import Reporter
from pulpo.stack.tags import digest_file

WHEEL_VARIABLE = "PULPO_WHEEL"  # a prebuilt wheel to use instead of building one


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

    ``PULPO_WHEEL`` names a prebuilt wheel to use instead (for a Pulpo installed
    without its source, or to keep the images as they are while Pulpo's source
    changes).
    """
    dist = project_root / DIST_DIR
    dist.mkdir(parents=True, exist_ok=True)
    prebuilt = os.environ.get(WHEEL_VARIABLE, "").strip()
    with tempfile.TemporaryDirectory(prefix="pulpo-wheel-") as scratch:
        if prebuilt:
            source_wheel = Path(prebuilt)
            if not source_wheel.is_file():
                raise ImageError(f"{WHEEL_VARIABLE}={prebuilt}: no such file")
        else:
            source_wheel = _build(Path(scratch))
        target = dist / source_wheel.name
        if not target.is_file() or digest_file(target) != digest_file(source_wheel):
            shutil.copyfile(source_wheel, target)
            if report:
                report.say(f"wheel: {target}")
    for stale in dist.glob("pulpo-*.whl"):
        if stale != target:
            stale.unlink()
    return target


def _build(scratch: Path) -> Path:
    """``hatchling build -t wheel`` of Pulpo's source into ``scratch``."""
    source = pulpo_source()
    if source is None:
        raise ImageError(
            "Pulpo is installed without its source, so its wheel cannot be built: "
            f"set {WHEEL_VARIABLE} to a pulpo-*.whl"
        )
    command = [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(scratch)]
    result = subprocess.run(command, cwd=source, capture_output=True, text=True, check=False)
    wheels = sorted(scratch.glob("pulpo-*.whl"))
    if result.returncode != 0 or not wheels:
        output = (result.stderr or result.stdout).strip().splitlines()
        hint = output[-1] if output else "no wheel was written"
        if "No module named hatchling" in result.stderr:
            hint = "hatchling is missing: pip install 'pulpo[stack]'"
        raise ImageError(f"building the Pulpo wheel failed: {hint}")
    return wheels[0]


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
