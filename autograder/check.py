"""``dlcv check``: run a notebook's public self-checks from a terminal, without Jupyter.

The notebook's definitions (functions, imports, constants) are executed in notebook order and every self-check
cell runs in full, by :mod:`autograder.run_self_checks` in a child Python process whose working directory is the
notebook's folder (where labkit lives). This is the student's own code on the student's own machine, so no sandbox
is needed.
"""

import json
import os
import re
import subprocess
import sys

from .grade.extract import NotGradable, definitions_only, ipython_to_python, read_notebook

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


def self_check_job(path, exercise):
    """The job for :mod:`autograder.run_self_checks`: each code cell's definitions and the self-check cells (of
    ``exercise`` only, if given) in notebook order, and the functions of cells that do not parse (name -> [cell,
    exercise])."""
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


class SelfCheckUsageError(ValueError):
    """The notebook cannot be read, or has no self-checks of the exercise asked for; the message says which."""


def run_notebook_self_checks(path, exercise=None):
    """Run the self-checks of the notebook at ``path`` (only those of ``exercise`` if given).

    Returns
    -------
    bool
        True when every selected self-check passed.

    Raises
    ------
    SelfCheckUsageError
        When ``path`` is not a readable notebook, or has no self-check cell of ``exercise``.
    """
    try:
        job = self_check_job(path, exercise)
    except NotGradable as error:
        raise SelfCheckUsageError(f"{path}: {error}") from None
    if not any(cell["check"] for cell in job["cells"]):
        if not exercise:
            raise SelfCheckUsageError(f"{path} has no self-check cells (is it a dlcv lab notebook?)")
        known = sorted({c.dlcv["check"] for c in read_notebook(path)[0] if c.dlcv.get("check")})
        raise SelfCheckUsageError(f"{path} has no self-checks of an exercise {exercise!r}; its exercises are: "
                                  + (", ".join(known) or "(none)"))
    env = dict(os.environ, MPLBACKEND="Agg", TQDM_DISABLE="1")
    completed = subprocess.run([sys.executable, "-m", "autograder.run_self_checks"], input=json.dumps(job), text=True,
                               cwd=path.resolve().parent, env=env)
    return completed.returncode == 0
