"""``dlcv export gradescope DIR``: one Gradescope autograder zip per lab, ``DIR/<lab>.zip``, graded by dlcv.

The zip is Gradescope's "zip file upload" format; Gradescope unpacks it into ``/autograder/source``::

    setup.sh          run once as root when Gradescope builds the image: Python >= 3.11, a virtual environment
                      /autograder/dlcv-venv, the bundled project with its dependencies at the versions in
                      constraints.txt; then the hidden material is made readable by root only
    run_autograder    run for each submission: python -m autograder.export.gradescope_run --lab LAB
    constraints.txt   exact versions of dlcv's runtime dependencies where the export ran (:mod:`.pins`)
    dlcv-labs/        the project source grading needs: pyproject.toml, README.md, autograder/ (with this lab's
                      hidden spec only), the reference modules solutions/*.py, source/labkit/

No notebook, template, example or test is bundled. The zip is deterministic: the same sources give the same bytes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from . import bundled_files
from .pins import constraints_text

if TYPE_CHECKING:
    from ..project import Project

BUNDLE = "dlcv-labs"
VENV = "/autograder/dlcv-venv"
_EPOCH = (1980, 1, 1, 0, 0, 0)

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, on its Ubuntu image, from /autograder/source.
# It installs dlcv-labs (the grader, this lab's hidden spec, the reference solutions, labkit) into a virtual
# environment with the exact dependency versions of constraints.txt. torch is not installed: it is only the test
# suite's oracle (pinned there as torch==2.13.0) and grading never imports it.
set -euo pipefail
cd "$(dirname "$0")"

python_ok() { command -v "$1" >/dev/null 2>&1 && "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; }
PYTHON=""
for candidate in python3.11 python3.12 python3.13 python3; do
    if python_ok "$candidate"; then PYTHON="$candidate"; break; fi
done
if [ -z "$PYTHON" ]; then  # Ubuntu 22.04's python3 is 3.10; its archive has 3.11
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3.11 python3.11-venv
    PYTHON=python3.11
fi
if ! "$PYTHON" -m venv __VENV__; then  # Ubuntu ships venv's pip (ensurepip) separately
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$(basename "$PYTHON")-venv"
    rm -rf __VENV__
    "$PYTHON" -m venv __VENV__
fi
__VENV__/bin/python -m pip install --upgrade pip
__VENV__/bin/python -m pip install --constraint constraints.txt ./__BUNDLE__

# The sandboxed worker runs as a private user id; it must not read the hidden spec or the reference solutions,
# whether or not the container allows the sandbox's namespaces.
site=$(__VENV__/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
chmod -R go-rwx "$site/autograder" "$site/solutions" /autograder/source
""".replace("__VENV__", VENV).replace("__BUNDLE__", BUNDLE)

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission; it writes /autograder/results/results.json.
# DLCV_AUTOGRADER_PYTHON: the interpreter with dlcv installed (default: the environment setup.sh made).
# DLCV_AUTOGRADER_ROOT: a folder laid out like /autograder (default /autograder), to try the zip elsewhere.
# -P: the working directory is not put on the module path (only the installed dlcv is imported).
PYTHON="${DLCV_AUTOGRADER_PYTHON:-__VENV__/bin/python}"
ROOT="${DLCV_AUTOGRADER_ROOT:-/autograder}"
if [ ! -x "$PYTHON" ]; then
    mkdir -p "$ROOT/results"
    echo '{"score": 0, "output": "The autograder is not installed (its setup.sh failed); tell the course staff.",' \
         '"visibility": "visible", "stdout_visibility": "hidden", "tests": []}' > "$ROOT/results/results.json"
    echo "no interpreter at $PYTHON: did setup.sh run?" >&2
    exit 1
fi
exec "$PYTHON" -P -m autograder.export.gradescope_run --lab __LAB__
""".replace("__VENV__", VENV)


def _add(archive: zipfile.ZipFile, name: str, data: str | bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def write_zip(project: Project, lab: str, path: Path, constraints: str) -> None:
    """Write the autograder zip of ``lab`` to ``path`` (atomically)."""
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        _add(archive, "setup.sh", SETUP_SH, executable=True)
        _add(archive, "run_autograder", RUN_AUTOGRADER.replace("__LAB__", lab), executable=True)
        _add(archive, "constraints.txt", constraints)
        for relative in bundled_files(project, lab):
            _add(archive, f"{BUNDLE}/{relative.as_posix()}", (project.root / relative).read_bytes())
    partial.replace(path)


def export(project: Project, out: Path, lab_ids: list[str]) -> list[Path]:
    """Write ``out/<lab>.zip`` for each lab.

    Parameters
    ----------
    project : autograder.project.Project
    out : pathlib.Path
        Created if missing.
    lab_ids : list of str

    Returns
    -------
    list of pathlib.Path
        The zips written.

    Raises
    ------
    ExportError
        When a lab has no hidden spec (nothing of it is written).
    """
    constraints = constraints_text()
    for lab in lab_ids:
        bundled_files(project, lab)  # every lab can be exported before any zip is written
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for lab in lab_ids:
        path = out / f"{lab}.zip"
        write_zip(project, lab, path, constraints)
        written.append(path)
    return written
