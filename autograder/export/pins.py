"""Exact versions of dlcv's runtime dependencies, as installed where the export runs (pip constraints).

An autograder built elsewhere (Gradescope's image) installs the same versions the staff graded and tested with, so
its scores are the scores ``dlcv grade`` gives here.
"""

from __future__ import annotations

from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

DISTRIBUTION = "dlcv-labs"


def runtime_closure(distribution: str = DISTRIBUTION) -> dict[str, str]:
    """Name -> installed version of every distribution ``distribution`` needs at run time (no extras), itself
    excluded, following requirements whose markers hold here.

    Raises
    ------
    metadata.PackageNotFoundError
        When ``distribution`` is not installed.
    """
    found: dict[str, str] = {}
    todo = [Requirement(distribution)]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            if name == canonicalize_name(distribution):
                raise
            continue  # an optional dependency that this platform does not install
        found[name] = dist.version
        for text in dist.requires or ():
            needed = Requirement(text)
            if needed.marker is None or needed.marker.evaluate({"extra": ""}):
                todo.append(needed)
    found.pop(canonicalize_name(distribution))
    return dict(sorted(found.items()))


def constraints_text(distribution: str = DISTRIBUTION) -> str:
    """A pip constraints file (``name==version`` lines) of :func:`runtime_closure`."""
    lines = [f"{name}=={version}" for name, version in runtime_closure(distribution).items()]
    return "\n".join(["# exact versions of dlcv's runtime dependencies where the autograder was exported",
                      *lines]) + "\n"
