"""`dlcv export gradescope`: the zip's own run_autograder, run in a folder laid out like /autograder, gives the
scores dlcv's grader gives, in exactly Gradescope's results.json schema."""

import json
import math
import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.course import load_spec
from autograder.export import ExportError, gradescope, gradescope_run
from autograder.export.grading import grade_notebook
from autograder.grade.batch import default_seed
from autograder.grade.submissions import safe_id
from autograder.project import Project
from helpers import ROOT, replace_function

EXAMPLES = ROOT / "examples" / "submissions"
LABS = sorted(p.stem for p in (ROOT / "source").glob("[0-9][0-9]_*.py"))
LAB = "01_gradient_descent"
EMAIL = "ada.lovelace@example.edu"

# Gradescope's autograder specification, "Output format" (gradescope-autograders.readthedocs.io/en/latest/specs/):
# every key the file and each test may have, and the values its enumerations allow.
GRADESCOPE_TOP_LEVEL = {"score", "execution_time", "output", "output_format", "test_output_format",
                        "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                   "tags", "visibility", "extra_data"}
GRADESCOPE_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
GRADESCOPE_STATUS = {"passed", "failed"}


def assert_gradescope_schema(results):
    """``results`` has Gradescope's keys only (ours under extra_data), of the types and values it documents."""
    assert set(results) <= GRADESCOPE_TOP_LEVEL, set(results) - GRADESCOPE_TOP_LEVEL
    json.dumps(results, allow_nan=False)
    assert isinstance(results["score"], (int, float)) and math.isfinite(results["score"])
    assert isinstance(results["output"], str)
    assert isinstance(results["extra_data"], dict)
    assert isinstance(results.get("execution_time", 0), int)
    for key in ("visibility", "stdout_visibility"):
        assert results.get(key, "visible") in GRADESCOPE_VISIBILITY
    for test in results["tests"]:
        assert set(test) <= GRADESCOPE_TEST, set(test) - GRADESCOPE_TEST
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert 0 <= test["score"] <= test["max_score"]
        assert test.get("status", "passed") in GRADESCOPE_STATUS
        assert test.get("visibility", "visible") in GRADESCOPE_VISIBILITY
        assert all(isinstance(tag, str) for tag in test.get("tags", []))
    assert results["score"] == sum(t["score"] for t in results["tests"])


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    out = tmp_path_factory.mktemp("gradescope")
    assert main(["export", "gradescope", str(out), "--root", str(ROOT)]) == 0
    return out


def autograder_root(tmp_path, zip_path, uploads):
    """A folder laid out like Gradescope's /autograder: source/ (the zip unpacked), submission/ (``uploads``:
    name -> bytes), submission_metadata.json, an empty results/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):  # zipfile does not restore permissions; Gradescope's unzip does
        (root / "source" / name).chmod(0o755)
    (root / "submission").mkdir()
    for name, data in uploads.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_bytes(data)
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": EMAIL, "name": "Ada"}]}))
    (root / "results").mkdir()
    return root


def bundle_environment(root):
    """The environment run_autograder runs in here. setup.sh's install step (a virtual environment from PyPI) is
    skipped: this test suite's interpreter stands in for it (DLCV_AUTOGRADER_PYTHON), and PYTHONPATH puts the
    zip's own copy of autograder/ and solutions/ before the editable install, so the bundled source is graded with
    (its dependencies, labkit included, come from this environment)."""
    return dict(os.environ, DLCV_AUTOGRADER_ROOT=str(root), DLCV_AUTOGRADER_PYTHON=sys.executable,
                PYTHONPATH=str(root / "source" / gradescope.BUNDLE))


def run_autograder(root):
    completed = subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd=root, capture_output=True,
                               text=True, env=bundle_environment(root), timeout=300)
    assert completed.returncode == 0, completed.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert_gradescope_schema(results)
    return results, completed.stdout


def notebook_bytes(path_or_nb):
    if isinstance(path_or_nb, Path):
        return path_or_nb.read_bytes()
    return nbformat.writes(path_or_nb).encode()


def exercise_scores(results):
    return {name: entry["score"] for name, entry in results["extra_data"]["exercises"].items()}


# ---------------------------------------------------------------------------------------------- the zip


def test_zip_holds_the_two_scripts_and_only_the_source_grading_needs(zips):
    assert sorted(p.name for p in zips.iterdir()) == [f"{lab}.zip" for lab in LABS]
    with zipfile.ZipFile(zips / f"{LAB}.zip") as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert names[:3] == ["setup.sh", "run_autograder", "constraints.txt"]
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    bundle = {Path(n).relative_to(gradescope.BUNDLE) for n in names[3:]}
    assert Path("autograder/hidden/01_gradient_descent.py") in bundle
    assert not [p for p in bundle if p.parts[:2] == ("autograder", "hidden") and p.stem[:2].isdigit()
                and p.stem != LAB]  # other labs' hidden specs stay home
    assert {p for p in bundle if p.parts[0] == "solutions"} == {
        p.relative_to(ROOT) for p in (ROOT / "solutions").glob("*.py")}
    assert Path("source/labkit/selfcheck.py") in bundle and Path("pyproject.toml") in bundle
    assert not [p for p in bundle if p.suffix == ".ipynb" or p.parts[0] in ("labs", "tests", "examples")
                or (p.parts[0] == "source" and p.parts[1] != "labkit")]


def test_zip_is_deterministic(zips, tmp_path):
    assert main(["export", "gradescope", str(tmp_path), "--lab", "1", "--root", str(ROOT)]) == 0
    assert (tmp_path / f"{LAB}.zip").read_bytes() == (zips / f"{LAB}.zip").read_bytes()


def test_setup_sh_is_valid_bash_and_installs_the_bundle_with_exact_pins(zips):
    with zipfile.ZipFile(zips / f"{LAB}.zip") as archive:
        setup = archive.read("setup.sh").decode()
        constraints = archive.read("constraints.txt").decode().splitlines()
    assert subprocess.run(["bash", "-n", "-c", setup]).returncode == 0
    assert "pip install --constraint constraints.txt ./dlcv-labs" in setup
    assert 'chmod -R go-rwx "$site/autograder" "$site/solutions" /autograder/source' in setup
    pins = dict(line.split("==") for line in constraints if not line.startswith("#"))
    assert pins["numpy"] == metadata.version("numpy") and pins["nbformat"] == metadata.version("nbformat")
    # torch is the test suite's oracle only (pyproject pins it torch==2.13.0); the autograder does not install it
    assert "torch" not in pins and not [
        line for line in setup.splitlines() if "install" in line and "torch" in line and not line.startswith("#")]


def test_a_lab_without_hidden_spec_is_an_export_error(tmp_path):
    project = tmp_path / "course"
    shutil.copytree(ROOT / "source", project / "source", ignore=shutil.ignore_patterns("__pycache__"))
    (project / "solutions").mkdir()
    (project / "autograder" / "hidden").mkdir(parents=True)
    with pytest.raises(ExportError, match=r"01_gradient_descent: no hidden spec autograder/hidden/01_gradient"):
        gradescope.export(Project(project), tmp_path / "out", [LAB])
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------- grading


def test_bundle_is_what_run_autograder_grades_with(zips, tmp_path):
    root = autograder_root(tmp_path, zips / f"{LAB}.zip", {})
    code = "import autograder, solutions; print(autograder.__file__); print(solutions.__file__)"
    out = subprocess.run([sys.executable, "-P", "-c", code], env=bundle_environment(root), capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout.split()  # -P as in run_autograder
    assert all(Path(p).is_relative_to(root / "source" / gradescope.BUNDLE) for p in out)


@pytest.mark.parametrize("lab", LABS)
def test_solution_notebook_gets_full_marks(zips, tmp_path, lab):
    solution = ROOT / "solutions" / "notebooks" / f"{lab}.ipynb"
    root = autograder_root(tmp_path, zips / f"{lab}.zip", {f"{lab}.ipynb": solution.read_bytes()})
    results, stdout = run_autograder(root)
    spec = load_spec(lab)
    assert results["score"] == spec.max_score() == results["extra_data"]["max_score"]
    assert exercise_scores(results) == {name: spec.max_score(name) for name in spec.exercises}
    assert results["extra_data"]["gradable"] is True and results["extra_data"]["graded_file"] == f"{lab}.ipynb"
    assert f"{lab}: {spec.max_score():g} / {spec.max_score():g} points" in stdout


def test_stub_gets_zero(zips, tmp_path):
    root = autograder_root(tmp_path, zips / f"{LAB}.zip", {"lab1.ipynb": (ROOT / "labs" / f"{LAB}.ipynb").read_bytes()})
    results, _ = run_autograder(root)
    assert results["score"] == 0 and results["tests"]
    assert all("not implemented yet" in t["output"] and t["status"] == "failed" for t in results["tests"])


@pytest.mark.parametrize("lab", ["01_gradient_descent", "04_backprop"])
def test_partly_wrong_notebook_scores_as_dlcv_grades_it(zips, tmp_path, lab):
    bob = EXAMPLES / f"bob_{lab}.ipynb"
    root = autograder_root(tmp_path, zips / f"{lab}.zip", {f"{lab}.ipynb": bob.read_bytes()})
    results, _ = run_autograder(root)
    expected = grade_notebook(bob, lab, student=safe_id(EMAIL))
    assert 0 < results["score"] == expected["score"] < expected["extra_data"]["max_score"]
    assert exercise_scores(results) == exercise_scores(expected)
    assert [(t["name"], t["score"], t["output"]) for t in results["tests"]] == [
        (t["name"], t["score"], t["output"]) for t in expected["tests"]]
    assert results["extra_data"]["seed"] == expected["seed"] and results["extra_data"]["student"] == safe_id(EMAIL)


ONE_NOTEBOOK = "upload exactly one notebook, your 01_gradient_descent.ipynb, and nothing else"


@pytest.mark.parametrize("uploads, reason", [
    ({}, f"nothing was uploaded; {ONE_NOTEBOOK}"),
    ({"a.ipynb": b"{}", "sub/b.ipynb": b"{}"}, f"2 notebooks were uploaded (a.ipynb, sub/b.ipynb); {ONE_NOTEBOOK}"),
    ({"lab1.pdf": b"%PDF-1.4"}, f"no notebook (.ipynb file) was uploaded, only: lab1.pdf; {ONE_NOTEBOOK}"),
    ({"lab1.ipynb": b'{"cells": [ {"cell_type": "code", "sour'},
     "the file is not a readable notebook: its JSON is broken at line 1, column 35"),
], ids=["nothing", "two-notebooks", "not-a-notebook", "corrupt-notebook"])
def test_an_upload_that_is_not_one_readable_notebook_gets_zero_and_says_what_to_upload(zips, tmp_path, uploads,
                                                                                      reason):
    root = autograder_root(tmp_path, zips / f"{LAB}.zip", uploads)
    results, stdout = run_autograder(root)
    assert results["score"] == 0 and results["output"].startswith(f"This submission could not be graded: {reason}")
    assert results["extra_data"]["gradable"] is False and results["extra_data"]["reason"].startswith(reason)
    extra = results["extra_data"]
    assert extra["seed"] == default_seed(extra["student"], LAB)  # the seed dlcv grade gives this student and lab
    spec = load_spec(LAB)
    assert [t["max_score"] for t in results["tests"]] == [t.points for t in spec.tests]  # each test shows 0 / points
    assert "not gradable" in stdout


def test_hidden_material_is_out_of_reach_of_the_submission(zips, tmp_path):
    """A submission whose ``f`` is right only when it cannot read the bundled hidden spec or reference module."""
    wrong_if_readable = f'''
def f(x):
    for path in {[str(tmp_path / "autograder" / "source" / gradescope.BUNDLE / p)
                  for p in ("autograder/hidden/01_gradient_descent.py", "solutions/gradient_descent.py")]!r}:
        try:
            open(path).read()
            return x ** 2 + 1.0
        except OSError:
            pass
    return x ** 2
'''
    nb = replace_function(nbformat.read(ROOT / "solutions" / "notebooks" / f"{LAB}.ipynb", as_version=4), "f",
                          wrong_if_readable)
    root = autograder_root(tmp_path, zips / f"{LAB}.zip", {"lab.ipynb": notebook_bytes(nb)})
    results, _ = run_autograder(root)
    if not results["extra_data"]["sandbox"]["namespaces"]:
        pytest.skip("namespaces unavailable here: on Gradescope setup.sh's permissions keep the files out of reach")
    assert results["score"] == load_spec(LAB).max_score()


def test_without_namespaces_grading_falls_back_and_says_so(tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    shutil.copy(EXAMPLES / f"bob_{LAB}.ipynb", root / "submission" / "lab.ipynb")
    unavailable = {"namespaces": False, "note": "this container does not allow the sandbox's namespaces (test)"}

    results = gradescope_run.grade_upload(root, LAB, probe=lambda: unavailable)

    assert_gradescope_schema(results)
    assert results["extra_data"]["sandbox"] == unavailable
    assert "network_namespace" not in results["extra_data"]["protections"]
    expected = grade_notebook(EXAMPLES / f"bob_{LAB}.ipynb", LAB, student="submission", namespaces=False)
    assert exercise_scores(results) == exercise_scores(expected) and results["score"] == expected["score"]


def test_namespace_probe_agrees_with_what_the_worker_gets(tmp_path):
    probe = gradescope_run.probe_namespaces()
    results = grade_notebook(EXAMPLES / f"alice_{LAB}.ipynb", LAB)
    assert probe["namespaces"] == bool(results["extra_data"]["protections"].get("network_namespace"))
    assert probe["namespaces"] or probe["note"]
