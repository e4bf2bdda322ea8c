"""``dlcv release DIR``: exactly what students get, ready to be a student (or GitHub Classroom template) repository.

``DIR`` receives, and nothing else::

    NN_name.ipynb                    the student notebooks of the chosen labs (copies of labs/, which must be current)
    labkit/                          the helper package the notebooks import (public self-checks, no solution code)
    check_labs.py                    runs every notebook's self-checks (:mod:`.check_labs`), for students and CI
    requirements.txt                 pip: what the notebooks and check_labs.py import, with pyproject's bounds
    environment.yml                  conda: the same packages
    README.md                        how to install, open the labs, run the self-checks, and submit
    .github/workflows/selfcheck.yml  workflows/student.yml: CI runs check_labs.py on every push

Files already in ``DIR`` that the release would not write are an error (a release is never mixed with other
material); rerunning over an earlier release of the same labs replaces it.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from ..course import labkit_files
from . import ExportError, check_labs
from .built import require_current_labs

if TYPE_CHECKING:
    from ..project import Project

# What the student notebooks, labkit and check_labs.py import (jupyterlab to open the notebooks, ipykernel to run
# them, ipywidgets for tqdm's progress bars), named as in pyproject.toml, whose bounds they keep.
STUDENT_PACKAGES = ("numpy", "matplotlib", "scikit-learn", "tqdm", "ipywidgets", "jupyterlab", "ipykernel",
                    "nbformat", "nbclient")
WORKFLOW = Path(".github/workflows/selfcheck.yml")

README = """# {course}

The lab notebooks of the course. Each lab is one notebook, `NN_name.ipynb`:

{labs}

## Install

With pip (Python 3.11 or newer):

```bash
python -m venv .venv && source .venv/bin/activate   # Windows: .venv\\Scripts\\activate
pip install -r requirements.txt
```

or with conda: `conda env create -f environment.yml && conda activate dlcv-student`.

## Work on a lab

```bash
jupyter lab
```

Open a notebook, fill in each cell marked `# YOUR CODE HERE` (replace `raise NotImplementedError()`), and run the
self-check cell under it: it says what was called, what was expected and what came back. A failing check shows its
message and does not stop the notebook. The last cell, "Check everything", lists every exercise as passed, failed
or not implemented, with its points. Keep `labkit/` next to the notebooks: they import it.

## Run every self-check

```bash
python check_labs.py                        # every notebook here
python check_labs.py 01_gradient_descent.ipynb
```

It runs each notebook from top to bottom in a fresh kernel and exits with status 1 while a self-check fails. The
same command runs on every push (`.github/workflows/selfcheck.yml`), so the repository shows a red mark until every
exercise passes its public checks.

## Submit

Upload your notebook, `NN_name.ipynb`, as your course staff tell you (one notebook per lab, nothing else). The
grade comes from hidden tests on other, random inputs: passing the self-checks is necessary, not sufficient.
"""


def _dependency_bounds(project: Project) -> dict[str, str]:
    """Distribution name -> requirement string from pyproject.toml's dependencies and extras."""
    config = tomllib.loads((project.root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(config["dependencies"])
    for extra in config.get("optional-dependencies", {}).values():
        requirements += extra
    # every requirement of pyproject.toml starts with its name (pip would not install it otherwise)
    return {re.match(r"[A-Za-z0-9_.-]+", r)[0].lower(): r for r in requirements}  # type: ignore[index]


def requirements_txt(project: Project) -> str:
    """The student requirements.txt: :data:`STUDENT_PACKAGES` with the bounds pyproject.toml gives them."""
    bounds = _dependency_bounds(project)
    missing = [name for name in STUDENT_PACKAGES if name not in bounds]
    if missing:
        raise ExportError(f"pyproject.toml lists no {', '.join(missing)}; add them to its dependencies")
    return "".join(f"{bounds[name]}\n" for name in STUDENT_PACKAGES)


def environment_yml(project: Project) -> str:
    """The student conda environment: the same packages from conda-forge."""
    lines = "".join(f"  - {line}" for line in requirements_txt(project).splitlines(keepends=True))
    return ("# conda env create -f environment.yml && conda activate dlcv-student\n"
            "name: dlcv-student\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n" + lines)


def readme(project: Project, lab_ids: list[str]) -> str:
    """The student README: the labs released, how to install, work, self-check and submit."""
    titles = []
    for lab in lab_ids:
        title = nbformat.read(project.labs / f"{lab}.ipynb", as_version=4).metadata.get("dlcv", {}).get("title", lab)
        titles.append(f"- `{lab}.ipynb`: {title}")
    return README.format(course="Deep Learning for Computer Vision — labs", labs="\n".join(titles))


def release_files(project: Project, lab_ids: list[str]) -> dict[Path, bytes]:
    """Release path -> bytes of everything students get."""
    files = {Path(f"{lab}.ipynb"): (project.labs / f"{lab}.ipynb").read_bytes() for lab in lab_ids}
    files |= {Path("labkit") / relative: path.read_bytes() for relative, path in labkit_files(project).items()}
    files[Path("check_labs.py")] = Path(check_labs.__file__).read_bytes()
    files[Path("requirements.txt")] = requirements_txt(project).encode()
    files[Path("environment.yml")] = environment_yml(project).encode()
    files[Path("README.md")] = readme(project, lab_ids).encode()
    workflow = project.root / "workflows" / "student.yml"
    if not workflow.is_file():
        raise ExportError(f"{workflow} is missing: the student CI workflow")
    files[WORKFLOW] = workflow.read_bytes()
    return files


def export(project: Project, out: Path, lab_ids: list[str]) -> list[Path]:
    """Write the student release of ``lab_ids`` to ``out``.

    Parameters
    ----------
    project : autograder.project.Project
    out : pathlib.Path
        Created if missing; it may hold only an earlier release.
    lab_ids : list of str

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ExportError
        When a student notebook is stale, or ``out`` holds files that are not part of a release (nothing is
        written then).
    """
    require_current_labs(project, lab_ids)
    files = release_files(project, lab_ids)
    out = Path(out)
    if out.is_dir():
        foreign = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()
                         and not _from_a_release(p.relative_to(out)) and ".git" not in p.relative_to(out).parts)
        if foreign:
            raise ExportError(f"{out} holds files that are not part of a release ({', '.join(foreign[:5])}); "
                              "release into an empty folder or a clone of the student repository")
        for old in ("labkit",):
            shutil.rmtree(out / old, ignore_errors=True)
    written = []
    for relative, data in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written


def _from_a_release(relative: Path) -> bool:
    """Whether ``relative`` is a path an earlier release may have written."""
    return (relative.parts[0] == "labkit" or relative == WORKFLOW
            or re.fullmatch(r"\d\d_\w+\.ipynb", str(relative)) is not None
            or str(relative) in ("check_labs.py", "requirements.txt", "environment.yml", "README.md"))
