"""Run a notebook's self-checks: the program ``dlcv check`` starts (``python -m autograder.run_self_checks``) in a
child Python process whose working directory is the notebook's folder, so that the notebook's own labkit is the one
imported.

It reads its job, one JSON object, on stdin (:func:`autograder.check.self_check_job` makes it): ``cells``, each
``{"number", "source", "check"}`` in notebook order — a cell's definitions, or a whole self-check cell whose
``check`` names its exercise — and ``broken``, function name -> ``[cell number, exercise]`` of a cell that does not
parse. It runs every cell in one namespace, prints a line per self-check that fails or cannot run and a last line
``N passed, M failed``, and exits 1 when any self-check failed.
"""

import json
import sys


def run(job):
    """Run the cells of ``job`` and print what failed; returns the number of failed self-checks."""
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
            exec(compile(cell["source"], f"<cell {cell['number']}>", "exec"), namespace)  # noqa: S102 - the user's own notebook, in their own process
            if check:
                passed += 1
        except Exception as error:  # noqa: BLE001 - a cell's error is reported, and the next cell runs
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
    return failed


def main():
    sys.exit(1 if run(json.loads(sys.stdin.read())) else 0)


if __name__ == "__main__":
    main()
