"""Content tags: an image's tag is a hash of everything its build reads.

``pulpo up`` tags the project's images ``pulpo-<project>-api:<hash>`` (and the offline
stand-ins ``<image>-<hash>``), so an unchanged project finds its images already built
and nothing is rebuilt, while any change of what a build reads gives a new tag.
Which paths an image's tag covers is :func:`pulpo.stack.images.image_inputs`.
"""

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path


def content_tag(root: Path, paths: Iterable[str], *, extra: Mapping[str, str] | None = None) -> str:
    """12 hex digits of sha256 over the files below ``paths`` (relative to ``root``) and ``extra``.

    ``extra`` holds what else the build reads (its build arguments). ``__pycache__``,
    ``*.pyc`` and ``.env`` files are left out, as the build context leaves them out.
    """
    digest = hashlib.sha256()
    extra = extra or {}
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
            digest.update(digest_file(path).encode() + b"\0")
    return digest.hexdigest()[:12]


def digest_file(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
