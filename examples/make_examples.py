"""Regenerate the bundled example submissions of every lab from the solution and student notebooks.

For each lab with a table of realistic mistakes, ``tests/labs/NN_name/mistakes.py``:

* ``alice`` submits a correct notebook (the solution, outputs cleared);
* ``bob`` gets some things wrong: he makes the mistakes the table's ``BOB`` names (its docstring says which);
* ``carol`` submits the untouched stub.

Run: ``python examples/make_examples.py`` (after ``dlcv build``).
"""

import copy
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "submissions"

sys.path.insert(0, str(ROOT / "tests"))
from lab_tables import LAB_IDS, bobs_notebook  # noqa: E402


def cleared(nb):
    """A copy of ``nb`` without outputs, execution counts and the build's notes."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.get("dlcv", {}).pop("inputs_sha256", None)
    nb.metadata.get("dlcv", {}).pop("note", None)
    return nb


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for lab in LAB_IDS:
        solution = cleared(nbformat.read(ROOT / "solutions" / "notebooks" / f"{lab}.ipynb", as_version=4))
        bob = bobs_notebook(solution, lab)
        stub = nbformat.read(ROOT / "labs" / f"{lab}.ipynb", as_version=4)
        for student, nb in (("alice", solution), ("bob", bob), ("carol", stub)):
            nbformat.write(nb, OUT / f"{student}_{lab}.ipynb")
            print(f"wrote {OUT / f'{student}_{lab}.ipynb'}")


if __name__ == "__main__":
    main()
