"""What every export is made from: the built student notebooks and labkit in ``labs/``, as ``dlcv build`` writes
them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..build.builder import build
from . import ExportError

if TYPE_CHECKING:
    from ..project import Project


def require_current_labs(project: Project, lab_ids: list[str]) -> None:
    """Raise :class:`ExportError` unless ``labs/<lab>.ipynb`` and ``labs/labkit/`` are what ``dlcv build`` writes now.

    Parameters
    ----------
    project : autograder.project.Project
    lab_ids : list of str
    """
    stale = [path for path in build(project, lab_ids, list_stale=True, progress=lambda line: None).stale
             if path.startswith("labs/")]
    if stale:
        numbers = " ".join(f"--lab {lab[:2]}" for lab in lab_ids)
        raise ExportError(f"{', '.join(stale)} {'is' if len(stale) == 1 else 'are'} missing or stale; exports are "
                          f"made from the built labs: run `dlcv build {numbers}` (and commit labs/), then export again")
