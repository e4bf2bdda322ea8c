"""The course catalogue (autograder/course.py) is the one place that lists the labs: every entry's files exist,
nothing on disk is left out of it, and what the build, the grader and the exports know of a lab comes from it."""

import importlib
import re

import jupytext
import nbformat
import pytest

from autograder import course
from autograder.course import LABS, all_lab_ids, get_lab, gradable_lab_ids, labkit_files, load_spec, source_bundle
from autograder.export import COURSE_TOOLS, EXPORTERS, Exporter
from autograder.project import Project, ProjectError
from helpers import ROOT

PROJECT = Project(ROOT)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_every_catalogue_entry_has_its_files(lab):
    assert lab.template(PROJECT).is_file(), lab.template(PROJECT)
    assert lab.reference_path(PROJECT).is_file(), lab.reference_path(PROJECT)
    assert lab.hidden_spec.is_file() and lab.gradable, lab.hidden_spec
    assert lab.public_checks_path(PROJECT).is_file(), lab.public_checks_path(PROJECT)
    assert importlib.import_module(lab.reference).__file__ == str(lab.reference_path(PROJECT))
    assert importlib.import_module(lab.public_checks).__file__ == str(lab.public_checks_path(PROJECT))
    assert (ROOT / "labs" / f"{lab.id}.ipynb").is_file()
    assert (ROOT / "solutions" / "notebooks" / f"{lab.id}.ipynb").is_file()
    assert lab.mistakes(PROJECT).is_file(), lab.mistakes(PROJECT)


def test_nothing_on_disk_is_left_out_of_the_catalogue():
    lab_file = re.compile(r"^\d\d_\w+$")
    templates = sorted(p.stem for p in (ROOT / "source").glob("*.py") if lab_file.match(p.stem))
    specs = sorted(p.stem for p in (ROOT / "autograder" / "hidden").glob("*.py") if lab_file.match(p.stem))
    notebooks = sorted(p.stem for p in (ROOT / "labs").glob("*.ipynb"))
    references = sorted(p.stem for p in (ROOT / "solutions").glob("*.py") if p.stem != "__init__")
    public = sorted(p.stem for p in (ROOT / "source" / "labkit" / "public").glob("*.py") if p.stem != "__init__")
    assert templates == specs == notebooks == all_lab_ids()
    assert references == public == sorted(lab.topic for lab in LABS)


def test_ids_numbers_and_topics_are_unique_and_in_order():
    assert [lab.number for lab in LABS] == list(range(1, len(LABS) + 1))
    assert len({lab.topic for lab in LABS}) == len(LABS)
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+", lab.id) for lab in LABS)
    assert all(lab.title.startswith(f"Lab {lab.number} — ") for lab in LABS)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_the_built_notebooks_carry_the_catalogues_title_and_the_templates_no_second_copy(lab):
    for folder in ("labs", "solutions/notebooks"):
        nb = nbformat.read(ROOT / folder / f"{lab.id}.ipynb", as_version=4)
        assert nb.metadata["dlcv"] == {**nb.metadata["dlcv"], "lab": lab.id, "title": lab.title}
    assert "dlcv" not in jupytext.read(lab.template(PROJECT)).metadata  # title and reference live in the catalogue


def test_points_come_from_the_hidden_spec():
    for lab in LABS:
        spec = load_spec(lab.id)
        assert lab.points() == {name: spec.max_score(name) for name in spec.exercises}
        assert sum(lab.points().values()) == spec.max_score() > 0
        assert lab.spec() is spec  # loaded once


def test_unknown_labs_and_missing_specs_are_clear_errors(tmp_path, monkeypatch):
    with pytest.raises(ProjectError, match=r"no lab '09_vision'; the labs are: 01_gradient_descent, "):
        get_lab("09_vision")
    monkeypatch.setattr(course, "HIDDEN_DIR", tmp_path)
    monkeypatch.setattr(course, "_SPECS", {})
    assert gradable_lab_ids() == [] and not get_lab("01_gradient_descent").gradable
    with pytest.raises(ProjectError, match=r"01_gradient_descent: no hidden spec at "):
        load_spec("01_gradient_descent")


def test_labkit_comes_from_one_source_and_the_build_copies_it_whole():
    files = labkit_files(PROJECT)
    assert {str(p) for p in files} >= {"__init__.py", "selfcheck.py", "public/__init__.py"}
    assert all(path.is_relative_to(ROOT / "source" / "labkit") for path in files.values())
    built = {p.relative_to(ROOT / "labs" / "labkit") for p in (ROOT / "labs" / "labkit").rglob("*.py")
             if "__pycache__" not in p.parts}
    assert built == set(files)
    assert all((ROOT / "labs" / "labkit" / rel).read_bytes() == path.read_bytes() for rel, path in files.items())


def test_a_source_bundle_carries_its_own_labs_hidden_specs_and_no_others():
    one = source_bundle(PROJECT, ["03_softmax"])
    specs = sorted(str(p) for p in one if p.parts[:2] == ("autograder", "hidden"))
    assert specs == ["autograder/hidden/03_softmax.py", "autograder/hidden/__init__.py"]
    assert {"pyproject.toml", "README.md", "autograder/course.py", "solutions/softmax.py", "solutions/cnn.py",
            "source/labkit/selfcheck.py"} <= {str(p) for p in one}
    assert not any("__pycache__" in p.parts or p.parts[0] in ("tests", "labs", "examples") for p in one)
    assert all((ROOT / p).is_file() for p in one)
    two = source_bundle(PROJECT, ["03_softmax", "07_cnn"])
    assert set(two) - set(one) == {__import__("pathlib").Path("autograder/hidden/07_cnn.py")}
    with pytest.raises(ProjectError, match="no lab '99_none'"):
        source_bundle(PROJECT, ["99_none"])


def test_every_exporter_is_registered_and_provides_the_interface():
    assert set(COURSE_TOOLS) | {"release"} == set(EXPORTERS)
    for name, entry in EXPORTERS.items():
        module = entry.load()
        assert isinstance(module, Exporter), name
        assert module.export.__doc__, name
