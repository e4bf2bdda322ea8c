"""The course digest: one hash of everything that decides a grade, so that a cluster worker can tell whether it
grades with the same hidden tests, reference solutions and grader as the client that sent the task."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from .. import __version__


def _course_files() -> list[tuple[str, Path]]:
    """(name, path) of every file the digest covers, sorted by name; names are relative to the packages' parent.

    The packages are ``solutions`` (the reference module), ``autograder`` (the grader, its sandbox and worker, and
    the hidden specs ``autograder/hidden/*.py``) and ``labkit`` (what student code may import in the sandbox).
    """
    import autograder
    import labkit
    import solutions

    files = []
    for package in (autograder, labkit, solutions):
        folder = Path(package.__file__).resolve().parent  # type: ignore[arg-type]  # packages: __file__ is set
        for path in folder.rglob("*.py"):
            if "__pycache__" not in path.parts:
                files.append((f"{folder.name}/{path.relative_to(folder).as_posix()}", path))
    return sorted(files)


@functools.cache
def course_digest() -> str:
    """SHA-256 (hex, 64 characters) of the grader version and of the name and bytes of every course file.

    Computed once per process: a worker that is reinstalled while it runs must be restarted to be told apart.

    Returns
    -------
    str
    """
    digest = hashlib.sha256(f"dlcv-labs {__version__}\n".encode())
    for name, path in _course_files():
        data = path.read_bytes()
        digest.update(f"{name}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def short(digest: object) -> str:
    """The first 12 hex digits of a digest, as messages show it."""
    return str(digest)[:12]
