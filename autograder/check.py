"""``dlcv check``: run a notebook's public self-checks from a terminal, without Jupyter.

The notebook's definitions (functions, imports, constants) are executed in notebook order and every self-check
cell runs in full, in a child Python process whose working directory is the notebook's folder (where labkit
lives). This is the student's own code on the student's own machine, so no sandbox is needed.
"""

import json
import os
import re
import subprocess
import sys

from .grade.extract import NotGradable, definitions_only, ipython_to_python, read_notebook

_DRIVER = r"""
import json, sys
job = json.loads(sys.stdin.read())
broken = job["broken"]  # function name -> [cell number, exercise] of a cell that does not parse
namespace = {"__name__": "__main__"}
failed = passed = 0
for cell in job["cells"]:
    check = cell["check"]
    if check and check in {exercise for _, exercise in broken.values()}:
        failed += 1
        number = next(n for n, exercise in broken.values() if exercise == check)
        print(f"\N{BALLOT X} checks of {check} (cell {cell['number']}) not run: its code in cell {number} has a"
              " syntax error (above)")
        continue
    try:
        exec(compile(cell["source"], f"<cell {cell['number']}>", "exec"), namespace)
        if check:
            passed += 1
    except Exception as error:
        if not check:
            print(f"warning: cell {cell['number']} could not be run: {type(error).__name__}: {error}")
            continue
        failed += 1
        name = type(error).__name__
        if isinstance(error, NameError) and getattr(error, "name", None) in broken:
            number, exercise = broken[error.name]
            print(f"\N{BALLOT X} checks of {check} (cell {cell['number']}) not run: they use `{error.name}`, whose"
                  f" cell {number} (exercise {exercise}) has a syntax error (above)")
            continue
        print(f"\N{BALLOT X} checks of {check} (cell {cell['number']}) failed:")
        print("  " + (str(error) if name == "CheckFailure" else f"{name}: {error}").replace("\n", "\n  "))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
"""
DEFINED_NAME = re.compile(r"^(?:def|class)\s+(\w+)", re.MULTILINE)


def _syntax_error_report(number, exercise, error):
    """What ``dlcv check`` says once about a cell that does not parse: where, which exercise, the parser's words."""
    place = f"cell {number}" + (f" (exercise {exercise})" if exercise else "")
    lines = [f"\N{BALLOT X} {place} has a syntax error at line {error.lineno}: {error.msg}"]
    if error.text and error.text.strip():
        lines.append(f"    {error.text.rstrip()}")
        if error.offset:
            lines.append("    " + " " * (error.offset - 1) + "^")
    return "\n".join(lines)


def _cells(path, exercise):
    """The job for the driver: each code cell's definitions and the self-check cells (of ``exercise`` only, if
    given) in notebook order, and the functions of cells that do not parse (name -> [cell, exercise])."""
    cells, _, problems = read_notebook(path)
    for problem in problems:
        print(f"warning: {problem}")
    program, broken = [], {}
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
            owner = cell.dlcv.get("exercise")
            print(_syntax_error_report(number, owner, error))
            for name in cell.dlcv.get("functions") or DEFINED_NAME.findall(source):
                broken[name] = [number, owner or f"of cell {number}"]
    return {"cells": program, "broken": broken}


class CheckUsageError(ValueError):
    """The notebook cannot be read, or has no self-checks of the exercise asked for; the message says which."""


def run_checks(path, exercise=None):
    """Run the self-checks of the notebook at ``path`` (only those of ``exercise`` if given).

    Returns
    -------
    bool
        True when every selected check passed.

    Raises
    ------
    CheckUsageError
        When ``path`` is not a readable notebook, or has no self-check cell of ``exercise``.
    """
    try:
        job = _cells(path, exercise)
    except NotGradable as error:
        raise CheckUsageError(f"{path}: {error}") from None
    if not any(cell["check"] for cell in job["cells"]):
        if not exercise:
            raise CheckUsageError(f"{path} has no self-check cells (is it a dlcv lab notebook?)")
        known = sorted({c.dlcv["check"] for c in read_notebook(path)[0] if c.dlcv.get("check")})
        raise CheckUsageError(f"{path} has no self-checks of an exercise {exercise!r}; its exercises are: "
                              + (", ".join(known) or "(none)"))
    env = dict(os.environ, MPLBACKEND="Agg", TQDM_DISABLE="1")
    completed = subprocess.run([sys.executable, "-c", _DRIVER], input=json.dumps(job), text=True,
                               cwd=path.resolve().parent, env=env)
    return completed.returncode == 0
