"""A lab cannot drift from its spec: template, hidden spec, public checks and the README's table agree, lab by lab."""

import re

import jupytext
import pytest
from lab_tables import LAB_IDS, marker

from autograder.course import all_lab_ids, get_lab, gradable_lab_ids, load_spec
from autograder.project import Project
from helpers import ROOT
from labkit.selfcheck import registered_checks

PROJECT = Project(ROOT)
LABS = all_lab_ids()
CHECK_CALL = re.compile(r"""\bcheck\(\s*["'](\w+)["']""")


def _template(lab):
    return jupytext.read(get_lab(lab).template(PROJECT))


def _exercise_cells(lab):
    return [c for c in _template(lab).cells if "exercise" in c.metadata]


def _check_cells(lab):
    return [c for c in _template(lab).cells if "check" in c.metadata]


def _readme_points():
    """Lab number -> the autograded points the README's table gives in parentheses at the end of its row."""
    rows = re.findall(r"^\| (\d\d) [^|]+\|[^|]+\|.*\((\d+)\) \|$", (ROOT / "README.md").read_text(), re.MULTILINE)
    return {number: int(points) for number, points in rows}


def test_every_template_has_a_hidden_spec_and_every_spec_a_template():
    assert LABS == gradable_lab_ids()
    assert len(LABS) >= 4


def test_every_lab_has_a_test_folder_and_a_registered_marker(pytestconfig):
    assert sorted(p.name for p in (ROOT / "tests" / "labs").iterdir() if p.name[:2].isdigit()) == LABS == list(LAB_IDS)
    assert all(get_lab(lab).mistakes(PROJECT).is_file() for lab in LABS)
    registered = {line.split(":")[0] for line in pytestconfig.getini("markers")}
    assert [marker(lab) for lab in LAB_IDS if marker(lab) not in registered] == []


@pytest.mark.parametrize("lab", LABS)
def test_the_templates_exercises_are_the_specs_in_notebook_order(lab):
    assert [c.metadata["exercise"] for c in _exercise_cells(lab)] == list(load_spec(lab).exercises)


@pytest.mark.parametrize("lab", LABS)
def test_every_check_cell_names_an_exercise_and_every_exercise_has_one(lab):
    exercises = list(load_spec(lab).exercises)
    checked = [c.metadata["check"] for c in _check_cells(lab)]
    assert [name for name in checked if name not in exercises] == []
    assert [name for name in exercises if name not in checked] == []


@pytest.mark.parametrize("lab", LABS)
def test_every_exercise_has_public_checks_and_hidden_tests(lab):
    spec, registered = load_spec(lab), registered_checks()
    called = {name for cell in _check_cells(lab) for name in CHECK_CALL.findall(cell.source)}
    assert sorted(called - set(registered)) == []  # a check cell calls only checks that exist
    for cell in _exercise_cells(lab):
        exercise, functions = cell.metadata["exercise"], cell.metadata["functions"]
        assert [f for f in functions if f in registered], f"{lab}: no public check covers exercise {exercise!r}"
        assert spec.max_score(exercise) > 0, f"{lab}: exercise {exercise!r} has no hidden test"


@pytest.mark.parametrize("lab", LABS)
def test_the_readme_table_gives_each_labs_points(lab):
    assert _readme_points().get(lab[:2]) == load_spec(lab).max_score()
