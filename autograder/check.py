"""``dlcv check``: run a notebook's public self-checks from a terminal, without Jupyter.

The notebook's definitions (functions, imports, constants) are executed in notebook order and every self-check
cell runs in full, in a child Python process whose working directory is the notebook's folder (where labkit
lives). This is the student's own code on the student's own machine, so no sandbox is needed.
"""

import json
import os
import subprocess
import sys

from .grade.extract import NotGradable, _ipython_to_python, _source_text, definitions_only

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
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise NotGradable(f"{path} is not a readable notebook ({type(error).__name__})") from None
    program = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _ipython_to_python(_source_text(cell.get("source", "")))
        check = ((cell.get("metadata") or {}).get("dlcv") or {}).get("check")
        if check:
            if exercise and check != exercise:
                continue
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
        print(f"dlcv check: {error}", file=sys.stderr)
        return False
    if not any(cell["check"] for cell in program):
        what = f"exercise {exercise!r}" if exercise else "this notebook"
        print(f"dlcv check: no self-check cells for {what}", file=sys.stderr)
        return False
    env = dict(os.environ, MPLBACKEND="Agg", TQDM_DISABLE="1")
    completed = subprocess.run([sys.executable, "-c", _DRIVER], input=json.dumps(program), text=True,
                               cwd=path.resolve().parent, env=env)
    return completed.returncode == 0
