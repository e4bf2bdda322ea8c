"""What a worker may see and what it is given: hidden and exposed paths, its environment, user namespaces, and
whether it is forked warm."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

USER_NAMESPACES_SWITCH = "DLCV_USER_NAMESPACES"  # "off": behave as on a kernel that forbids user namespaces


def paths_to_hide(out_dir: str | os.PathLike[str], submission_paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """What a worker must not see, besides every non-system top-level folder it never sees anyway: the
    instructor's repository (reference solutions, hidden specs, the grader, its git history) — or, where the
    packages are installed without one, the ``solutions`` and ``autograder`` packages —, the output folder, and
    every folder holding submissions of the batch. The Python installation stays reachable (``paths_to_expose``
    and the worker's own interpreter are bound back in)."""
    import autograder
    import solutions

    root = Path(autograder.__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() or (root / ".git").exists():
        hide = {root}
    else:
        hide = {Path(autograder.__file__).parent, Path(solutions.__file__).parent}
    hide.add(Path(out_dir))
    hide |= {Path(p).resolve().parent for p in submission_paths}
    return sorted(str(p.resolve()) for p in hide)


def paths_to_expose() -> list[str]:
    """Public code the worker may import even when it sits inside a hidden folder: labkit."""
    import labkit

    return [str(Path(labkit.__file__).resolve().parent)]


def worker_environment() -> dict[str, str]:
    """The whole environment of a worker (and of the warm parent): no variable of the grader's own."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "HOME": "/tmp"}
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def user_namespace_switch() -> str | None:
    """None when workers without root may use user namespaces, else why not (``DLCV_USER_NAMESPACES=off``)."""
    if os.environ.get(USER_NAMESPACES_SWITCH, "on").lower() in ("off", "0", "no", "false"):
        return f"user namespaces are switched off ({USER_NAMESPACES_SWITCH}=off)"
    return None


def warm_by_default() -> bool:
    """Warm workers unless ``DLCV_WORKERS=cold``; only as root, where a worker runs as another user than the
    warm parent and so cannot reach it."""
    return os.geteuid() == 0 and os.environ.get("DLCV_WORKERS", "warm") != "cold"
