"""Regenerate the bundled example submissions of every lab from the solution and student notebooks.

For each lab with a file ``examples/mistakes/NN_name.py`` (its ``CHANGES``: function name -> Bob's source):

* ``alice`` submits a correct notebook (the solution, outputs cleared);
* ``bob`` gets some things wrong: his functions replace the solution's (the file's docstring says what he missed);
* ``carol`` submits the untouched stub.

Run: ``python examples/make_examples.py`` (after ``dlcv build``).
"""

import ast
import copy
import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
MISTAKES = ROOT / "examples" / "mistakes"
OUT = ROOT / "examples" / "submissions"


def _replace(nb, name, source):
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
                lines = cell.source.splitlines()
                cell.source = "\n".join(lines[: node.lineno - 1] + source.splitlines() + lines[node.end_lineno:])
                return
    raise KeyError(f"no code cell defines {name}")


def _cleared(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.get("dlcv", {}).pop("inputs_sha256", None)
    nb.metadata.get("dlcv", {}).pop("note", None)
    return nb


def bobs_changes(lab):
    """Function name -> Bob's source for ``lab``, from ``examples/mistakes/<lab>.py``."""
    module_spec = importlib.util.spec_from_file_location(f"mistakes_{lab}", MISTAKES / f"{lab}.py")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.CHANGES


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for lab in sorted(p.stem for p in MISTAKES.glob("[0-9][0-9]_*.py")):
        solution = _cleared(nbformat.read(ROOT / "solutions" / "notebooks" / f"{lab}.ipynb", as_version=4))
        bob = copy.deepcopy(solution)
        for name, source in bobs_changes(lab).items():
            _replace(bob, name, source)
        stub = nbformat.read(ROOT / "labs" / f"{lab}.ipynb", as_version=4)
        for student, nb in (("alice", solution), ("bob", bob), ("carol", stub)):
            nbformat.write(nb, OUT / f"{student}_{lab}.ipynb")
            print(f"wrote {OUT / f'{student}_{lab}.ipynb'}")


if __name__ == "__main__":
    main()
