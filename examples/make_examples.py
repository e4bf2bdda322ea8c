"""Regenerate the bundled example submissions of Lab 1 from the solution and student notebooks.

* ``alice`` submits a correct notebook (the solution, outputs cleared);
* ``bob`` gets some things wrong: his gradient descent ignores the stopping rule, he thinks lr = 1 converges,
  and his chain rule forgets the inner derivative;
* ``carol`` submits the untouched stub.

Run: ``python examples/make_examples.py`` (after ``dlcv build``).
"""

import ast
import copy
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
LAB = "01_gradient_descent"
OUT = ROOT / "examples" / "submissions"

BOB_CHANGES = {
    "gradient_descent": '''def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
    """Minimise a function by gradient descent (Bob's version)."""
    xs = [np.array(x0, dtype=float)]
    for _ in range(max_steps):
        xs.append(xs[-1] - lr * df(xs[-1]))
    return np.array(xs)''',
    "learning_rate_verdicts": '''def learning_rate_verdicts():
    return {0.01: "converges", 0.1: "converges", 1.0: "converges", 100.0: "diverges", 1000.0: "diverges"}''',
    "chain_rule_derivative": '''def chain_rule_derivative(x):
    return 2 * (3 * x**3 + 2)''',
}


def _replace(nb, name, source):
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                lines = cell.source.splitlines()
                cell.source = "\n".join(lines[: node.lineno - 1] + source.splitlines() + lines[node.end_lineno:])
                return
    raise KeyError(name)


def _cleared(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.get("dlcv", {}).pop("inputs_sha256", None)
    nb.metadata.get("dlcv", {}).pop("note", None)
    return nb


def main():
    solution = _cleared(nbformat.read(ROOT / "solutions" / "notebooks" / f"{LAB}.ipynb", as_version=4))
    bob = copy.deepcopy(solution)
    for name, source in BOB_CHANGES.items():
        _replace(bob, name, source)
    stub = nbformat.read(ROOT / "labs" / f"{LAB}.ipynb", as_version=4)
    OUT.mkdir(parents=True, exist_ok=True)
    for student, nb in (("alice", solution), ("bob", bob), ("carol", stub)):
        nbformat.write(nb, OUT / f"{student}_{LAB}.ipynb")
        print(f"wrote {OUT / f'{student}_{LAB}.ipynb'}")


if __name__ == "__main__":
    main()
