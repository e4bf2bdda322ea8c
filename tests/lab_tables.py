"""The labs under test and each lab's one table of realistic mistakes, ``tests/labs/NN_name/mistakes.py``.

A table's ``MISTAKES`` maps a name to ``(function, wrong source, {exercise: expected score})``; its ``BOB`` names the
mistakes that together make Bob's example notebook. Read by the tests and by ``examples/make_examples.py``, so this
module imports neither the grader's machinery nor pytest: the labs come from the catalogue, ``autograder.course``.
"""

import ast
import copy
import importlib.util
import textwrap
from functools import cache
from pathlib import Path

from autograder.course import LABS, get_lab
from autograder.project import Project

PROJECT = Project(Path(__file__).resolve().parent.parent)

LAB_IDS = tuple(lab.id for lab in LABS)


def reference_path(lab):
    """The reference module ``solutions/<topic>.py`` of ``lab``."""
    return get_lab(lab).reference_path(PROJECT)


def marker(lab):
    """The pytest marker that selects everything of ``lab``: ``lab04`` for ``04_backprop``."""
    return f"lab{lab[:2]}"


def replace_function(nb, name, new_source):
    """A copy of ``nb`` whose definition of function ``name`` is replaced by ``new_source``.

    Raises
    ------
    KeyError
        When no code cell defines ``name`` at top level.
    """
    nb = copy.deepcopy(nb)
    new_source = textwrap.dedent(new_source).strip("\n")
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
                lines = cell.source.splitlines()
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                last = node.end_lineno
                # keep a trailing `### END SOLUTION`-style comment inside the function out of the new code
                while last < len(lines) and lines[last].startswith((" ", "\t")) and lines[last].strip().startswith("#"):
                    last += 1
                cell.source = "\n".join(lines[: first - 1] + new_source.splitlines() + lines[last:])
                return nb
    raise KeyError(f"no code cell defines {name}")


@cache
def mistakes_of(lab):
    """The module ``tests/labs/<lab>/mistakes.py`` (loaded once, under the name ``mistakes_<lab>``)."""
    module_spec = importlib.util.spec_from_file_location(f"mistakes_{lab}", get_lab(lab).mistakes(PROJECT))
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    assert set(module.BOB) <= set(module.MISTAKES), f"{lab}: BOB names a mistake its table lacks"
    return module


def with_mistake(nb, lab, case):
    """A copy of ``nb`` with mistake ``case`` of ``lab``'s table made (by the table's ``make`` if it has one)."""
    table = mistakes_of(lab)
    name, source, _ = table.MISTAKES[case]
    return getattr(table, "make", replace_function)(nb, name, source)


def bobs_notebook(nb, lab):
    """A copy of ``nb`` with every mistake of ``lab``'s ``BOB`` made, in the table's order."""
    for case in mistakes_of(lab).BOB:
        nb = with_mistake(nb, lab, case)
    return nb


def bobs_scores(lab):
    """Exercise -> the score Bob's mistakes leave him, for the exercises they cost points (none shares one)."""
    table = mistakes_of(lab)
    scores = {}
    for case in table.BOB:
        expected = table.MISTAKES[case][2]
        assert not set(expected) & set(scores), f"{lab}: two of Bob's mistakes cost points in one exercise"
        scores.update(expected)
    return scores
