"""Run the labs' public self-checks: ``python check_labs.py [NOTEBOOK ...]`` (default: every notebook here).

Each notebook is executed from top to bottom in a fresh Jupyter kernel, as "Run All" would, with failing
self-checks made to raise (``DLCV_STRICT_CHECKS=1``); a cell that fails does not stop the run. Every self-check
cell is then reported as passed or failed with its message, and the exit status is 1 when any failed, so a CI
workflow shows a red mark until every exercise passes its public checks. The grade comes from hidden tests on other
inputs: passing here is necessary, not sufficient.

This file ships to students with the lab notebooks; it needs only nbformat, nbclient and a Python kernel.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def check_notebook(path: Path, timeout: int = 600) -> list[tuple[str, bool, str]]:
    """Execute the notebook at ``path`` and report its self-check cells.

    Parameters
    ----------
    path : pathlib.Path
    timeout : int
        Seconds one cell may run.

    Returns
    -------
    list of (str, bool, str)
        Per self-check cell, in notebook order: its exercise, whether it passed, and the failure message ('').
    """
    nb = nbformat.read(path, as_version=4)
    os.environ.update(DLCV_STRICT_CHECKS="1", MPLBACKEND="Agg", TQDM_DISABLE="1")  # the kernel inherits these
    client = NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    report = []
    for cell in nb.cells:
        exercise = cell.get("metadata", {}).get("dlcv", {}).get("check")
        if cell.cell_type != "code" or not exercise:
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        message = f"{errors[0]['ename']}: {errors[0]['evalue']}" if errors else ""
        report.append((exercise, not errors, message.replace("CheckFailure: ", "", 1)))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="lab notebooks (default: every .ipynb beside this file)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        print("no lab notebooks found", file=sys.stderr)
        return 2
    failed = 0
    for path in notebooks:
        try:
            report = check_notebook(path)
        except (OSError, ValueError) as error:  # a missing file, or JSON that is not a notebook
            print(f"{path.name}: could not be read ({type(error).__name__}: {error})")
            failed += 1
            continue
        passed = sum(ok for _, ok, _ in report)
        print(f"{path.name}: {passed} of {len(report)} self-checks pass")
        for exercise, ok, message in report:
            if not ok:
                print(f"  \N{BALLOT X} {exercise}: " + message.strip().replace("\n", "\n      "))
        failed += len(report) - passed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
