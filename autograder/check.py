"""``dlcv check``: run a notebook's public self-checks from a terminal, without Jupyter.

The notebook's definitions (functions, imports, constants) are executed in notebook order and every self-check
cell runs in full, in a child Python process whose working directory is the notebook's folder (where labkit
lives). This is the student's own code on the student's own machine, so no sandbox is needed.
"""

import json
import os
import subprocess
import sys

from .grade.extract import NotGradable, definitions_only, ipython_to_python, read_notebook

_DRIVER = r"""
import json, sys, traceback
cells = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
failed = passed = 0
for cell in cells:
    try:
        exec(compile(cell["source"], f"<cell {cell['number']}>", "exec"), namespace)
        if cell["check"]:
            passed += 1
    except Exception as error:
        if not cell["check"]:
            print(f"warning: cell {cell['number']} could not be run: {type(error).__name__}: {error}")
            continue
        failed += 1
        name = type(error).__name__
        print(f"\N{BALLOT X} checks of {cell['check']} (cell {cell['number']}) failed:")
        print("  " + (str(error) if name == "CheckFailure" else f"{name}: {error}").replace("\n", "\n  "))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
"""


def _cells(path, exercise):
    """The cells to run: each code cell's definitions, and the self-check cells (of ``exercise`` only, if given)."""
    cells, _, problems = read_notebook(path)
    for problem in problems:
        print(f"warning: {problem}")
    program = []
    for cell in cells:
        number, source = cell.index + 1, ipython_to_python(cell.source)
        check = cell.dlcv.get("check")
        if check:
            if not exercise or check == exercise:
                program.append({"number": number, "source": source, "check": check})
            continue
        try:
            program.append({"number": number, "source": definitions_only(source), "check": None})
        except SyntaxError as error:
            print(f"warning: cell {number} has a syntax error (line {error.lineno}) and was skipped")
    return program


def run_checks(path, exercise=None):
    """Run the self-checks of the notebook at ``path`` (only those of ``exercise`` if given).

    Returns
    -------
    bool
        True when every selected check passed.
    """
    try:
        program = _cells(path, exercise)
    except NotGradable as error:
        print(f"dlcv check: {path}: {error}", file=sys.stderr)
        return False
    if not any(cell["check"] for cell in program):
        what = f"exercise {exercise!r}" if exercise else "this notebook"
        print(f"dlcv check: no self-check cells for {what}", file=sys.stderr)
        return False
    env = dict(os.environ, MPLBACKEND="Agg", TQDM_DISABLE="1")
    completed = subprocess.run([sys.executable, "-c", _DRIVER], input=json.dumps(program), text=True,
                               cwd=path.resolve().parent, env=env)
    return completed.returncode == 0
