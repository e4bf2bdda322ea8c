"""`dlcv export otter`: real otter-grader assigns the master notebooks, and `otter run` gives dlcv's grades.

The slow tests run otter itself (assign, check, run) in a subprocess, on Lab 1; every score they compare with is
computed by dlcv in the same run.
"""

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.build import regions
from autograder.cli import main
from autograder.course import all_lab_ids, load_spec
from autograder.export.grading import grade_notebook
from autograder.export.otter import PLUGIN, SOURCE_COPY
from autograder.grade import results as schema
from helpers import ROOT, student_notebook

LAB = "01_gradient_descent"
EXAMPLES = ROOT / "examples" / "submissions"


def otter(*args, cwd):
    """Run otter's command line with this interpreter; fail the test with its output if it fails."""
    done = subprocess.run([sys.executable, "-m", "otter", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def export(out, *labs):
    assert main(["export", "otter", str(out), *[a for lab in labs for a in ("--lab", lab)]]) == 0


def config_of(master):
    [cell] = [c for c in master.cells if c.cell_type == "raw" and c.source.startswith("# ASSIGNMENT CONFIG")]
    return yaml.safe_load(cell.source)


def questions_of(master):
    """Question name -> its config, from the master notebook's ``# BEGIN QUESTION`` cells."""
    found = {}
    for cell in master.cells:
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(cell.source)
            found[config["name"]] = config
    return found


def exercise_cells(nb):
    return {c.metadata["dlcv"]["exercise"]: c.source for c in nb.cells
            if c.cell_type == "code" and "exercise" in c.metadata.get("dlcv", {})}


# ------------------------------------------------------------------------------------ the master notebook


def test_master_notebook_has_one_question_per_exercise_with_its_points(tmp_path):
    export(tmp_path, "1")
    folder = tmp_path / LAB
    master = nbformat.read(folder / f"{LAB}.ipynb", as_version=4)
    config = config_of(master)
    assert config["name"] == LAB
    assert config["plugins"] == [{PLUGIN: {"lab": LAB}}]
    assert config["files"] == ["labkit"] and config["autograder_files"] == [SOURCE_COPY]
    assert config["tests"] == {"files": True, "ok_format": False}
    assert (folder / config["requirements"]).read_text().splitlines()[-1] == f"/autograder/source/files/{SOURCE_COPY}"

    spec = load_spec(LAB)
    questions = questions_of(master)
    assert {n: q["points"] for n, q in questions.items() if not q.get("manual")} == {
        name: spec.max_score(name) for name in spec.exercises}
    assert [n for n, q in questions.items() if q.get("manual")] == ["learning_rates_why"]

    solutions = exercise_cells(master)
    assert set(solutions) == set(spec.exercises)
    for source in solutions.values():
        assert "# BEGIN SOLUTION NO PROMPT" in source and regions.BEGIN not in source and regions.END not in source
    # the source copy installs everything the plugin needs, hidden specs included
    copy = folder / SOURCE_COPY
    for needed in ("pyproject.toml", "autograder/hidden/01_gradient_descent.py", "autograder/export/otter_plugin.py",
                   "solutions/gradient_descent.py", "source/labkit/selfcheck.py"):
        assert (copy / needed).is_file(), needed


def test_a_lab_without_hidden_spec_is_refused_and_nothing_is_written(tmp_path, monkeypatch, capsys):
    import autograder.course as course

    monkeypatch.setattr(course, "HIDDEN_DIR", tmp_path / "no-hidden-specs")
    assert main(["export", "otter", str(tmp_path), "--lab", "1"]) == 1
    assert "no hidden spec" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_course_folder_without_the_labs_hidden_spec_is_an_export_error_and_nothing_is_written(tmp_path, capsys):
    """The grader installed here has the spec, the course being exported does not: the bundle could not grade."""
    import shutil

    project = tmp_path / "course"
    shutil.copytree(ROOT / "source", project / "source", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "solutions", project / "solutions", ignore=shutil.ignore_patterns("__pycache__", "notebooks"))
    (project / "autograder" / "hidden").mkdir(parents=True)
    out = tmp_path / "out"
    assert main(["export", "otter", str(out), "--lab", "1", "--root", str(project)]) == 1
    assert "01_gradient_descent: no hidden spec autograder/hidden/01_gradient_descent.py" in capsys.readouterr().err
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("line", ["x = 1  # SOLUTION", "    # BEGIN PROMPT", "y = 2  # SEED", "z = 3 # IGNORE"])
def test_a_line_otter_would_take_for_its_marker_is_refused(line):
    from autograder.export import ExportError
    from autograder.export.otter import _refuse_otter_directives

    with pytest.raises(ExportError, match="otter assign would treat this line as its marker"):
        _refuse_otter_directives(nbformat.v4.new_code_cell(f"import numpy as np\n{line}"), LAB)
    _refuse_otter_directives(nbformat.v4.new_code_cell("x = 1  # the solution is x"), LAB)


def test_not_gradable_submission_gives_zero_in_every_question_with_the_reason():
    from otter.test_files import GradingResults

    from autograder.export.otter_plugin import apply_dlcv_results
    from autograder.grade.submissions import Submission

    spec = load_spec(LAB)
    dlcv = schema.not_gradable_results(Submission(Path("x.ipynb"), "x", LAB), "the file is empty", spec, seed=1)
    results = GradingResults([])
    apply_dlcv_results(results, dlcv)
    assert list(results.results) == list(spec.exercises)
    assert results.total == 0 and results.possible == spec.max_score()
    assert "the file is empty" in results.output


# ------------------------------------------------------------------------------------ real otter


@pytest.fixture(scope="module")
def assigned(tmp_path_factory):
    """Lab 1 exported and assigned by otter as docs/staff/otter-grader.md says: (the export folder, otter's dist folder, the
    autograder zip). otter assign also grades its solution notebook with the zip (so with dlcv) and fails
    unless it gets full marks."""
    out = tmp_path_factory.mktemp("otter")
    export(out, "1")
    folder = out / LAB
    otter("assign", f"{LAB}.ipynb", "dist", cwd=folder)
    [zip_path] = (folder / "dist" / "autograder").glob("*.zip")
    return folder, folder / "dist", zip_path


def _secret_lines(module):
    """The lines of the reference module's solution regions that dlcv's own release (the lab's student notebook
    and labkit, both checked for leaks by test_build) does not show."""
    source = module.read_text()
    given = {line.strip() for cell in student_notebook(LAB).cells for line in cell.source.splitlines()}
    given |= {line.strip() for path in (ROOT / "labs" / "labkit").rglob("*.py") for line in path.read_text().splitlines()}
    return {line.strip() for line in regions.solution_region_lines(source)
            if line.strip() and line.strip() not in given}


@pytest.mark.slow
def test_otter_assign_gives_students_dlcvs_stubs_and_no_solution_line(assigned):
    _, dist, zip_path = assigned
    student = dist / "student"
    nb = nbformat.read(student / f"{LAB}.ipynb", as_version=4)
    # each exercise cell is exactly dlcv's stub, so dlcv grades it as its own notebook
    assert exercise_cells(nb) == exercise_cells(student_notebook(LAB))

    text = "\n".join(c.source for c in nb.cells)
    text += "\n".join(p.read_text() for p in student.rglob("*.py"))
    lines = {line.strip() for line in text.splitlines()}
    secret = _secret_lines(ROOT / "solutions" / "gradient_descent.py")
    assert len(secret) > 20
    assert sorted(secret & lines) == []
    for marker in (regions.BEGIN, regions.END, "# BEGIN SOLUTION", "# END SOLUTION", "# BEGIN PROMPT",
                   "# END PROMPT"):
        assert marker not in text
    assert not (student / SOURCE_COPY).exists() and not (student / "autograder").exists()
    assert sorted(p.name for p in (student / "tests").iterdir()) == sorted(f"{e}.py" for e in load_spec(LAB).exercises)

    # the staff-only zip: the plugin in otter_config.json, and dlcv installable from the copy it ships
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        otter_config = json.loads(archive.read("otter_config.json"))
        environment = yaml.safe_load(archive.read("environment.yml"))
    assert otter_config["plugins"] == [{PLUGIN: {"lab": LAB}}]
    assert otter_config["assignment_name"] == LAB
    [pip] = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    assert f"/autograder/source/files/{SOURCE_COPY}" in pip
    assert {f"files/{SOURCE_COPY}/autograder/hidden/{LAB}.py", f"files/{SOURCE_COPY}/pyproject.toml",
            "files/labkit/selfcheck.py"} <= names


@pytest.mark.slow
def test_manual_answers_lose_their_model_answer(assigned):
    folder, dist, _ = assigned
    master = nbformat.read(folder / f"{LAB}.ipynb", as_version=4)
    [model] = [c.source for c in master.cells if c.metadata.get("dlcv", {}).get("answer") == "learning_rates_why"]
    student = nbformat.read(dist / "student" / f"{LAB}.ipynb", as_version=4)
    assert model.strip() and all(model not in c.source for c in student.cells)


@pytest.mark.slow
def test_the_source_copy_in_the_zip_builds_a_wheel_with_the_grader(assigned, tmp_path):
    _, _, zip_path = assigned
    with zipfile.ZipFile(zip_path) as archive:
        members = [n for n in archive.namelist() if n.startswith(f"files/{SOURCE_COPY}/")]
        archive.extractall(tmp_path / "zip", members)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path / "wheel"), str(tmp_path / "zip" / "files" / SOURCE_COPY)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    [wheel] = (tmp_path / "wheel").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {f"autograder/hidden/{LAB}.py", "autograder/export/otter_plugin.py", "solutions/gradient_descent.py",
            "labkit/selfcheck.py"} <= names


def _submissions(dist, tmp_path, sentinel):
    """Three otter notebooks: the solution (otter's autograder notebook), the stub (otter's student notebook)
    and bob's partly wrong answers in otter's student notebook, with a cell that would leave a file behind if
    anything executed it."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    solution = nbformat.read(dist / "autograder" / f"{LAB}.ipynb", as_version=4)
    stub = nbformat.read(dist / "student" / f"{LAB}.ipynb", as_version=4)
    bob = nbformat.read(dist / "student" / f"{LAB}.ipynb", as_version=4)
    answers = exercise_cells(nbformat.read(EXAMPLES / f"bob_{LAB}.ipynb", as_version=4))
    for cell in bob.cells:
        if cell.metadata.get("dlcv", {}).get("exercise") in answers:
            cell.source = answers[cell.metadata["dlcv"]["exercise"]]
    bob.cells.append(nbformat.v4.new_code_cell(f"open({str(sentinel)!r}, 'w').write('student code ran')"))
    paths = {}
    for name, nb in (("solution", solution), ("stub", stub), ("bob", bob)):
        paths[name] = folder / f"{name}.ipynb"
        nbformat.write(nb, paths[name])
    return paths


@pytest.mark.slow
def test_otter_run_gives_dlcvs_scores_and_messages_exercise_by_exercise(assigned, tmp_path):
    _, dist, zip_path = assigned
    sentinel = tmp_path / "student-code-ran"
    scores = {}
    for name, path in _submissions(dist, tmp_path, sentinel).items():
        out = tmp_path / f"results-{name}"
        out.mkdir()
        otter("run", "--no-logo", "-a", str(zip_path), "-o", str(out), str(path), cwd=tmp_path)
        otter_results = json.loads((out / "results.json").read_text())
        dlcv = grade_notebook(path, LAB, student=path.stem)  # the plugin's student id: the file's name

        questions = {t["name"]: t for t in otter_results["tests"]}
        assert list(questions) == list(schema.exercises(dlcv))
        for exercise, total in schema.exercises(dlcv).items():
            assert (questions[exercise]["score"], questions[exercise]["max_score"]) == (
                total["score"], total["max_score"]), (name, exercise)
            for test in schema.tests_of(dlcv, exercise):
                if test["status"] != "passed":
                    assert test["output"].strip() in questions[exercise]["output"]
            assert questions[exercise]["visibility"] == "visible"
        assert otter_results["output"] == dlcv["output"]
        scores[name] = (schema.score(dlcv), schema.max_score(dlcv))
    full = scores["solution"][1]
    assert scores["solution"] == (full, full) and scores["stub"] == (0, full)
    assert 0 < scores["bob"][0] < full
    assert not sentinel.exists()  # neither otter's kernel nor dlcv's worker ran the student's top-level code


@pytest.mark.slow
def test_otter_run_refuses_a_notebook_of_another_assignment(assigned, tmp_path):
    _, _, zip_path = assigned
    submission = tmp_path / f"{LAB}.ipynb"
    submission.write_bytes((ROOT / "labs" / f"{LAB}.ipynb").read_bytes())  # dlcv's notebook, not otter's
    done = subprocess.run([sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(zip_path), "-o",
                           str(tmp_path), str(submission)], capture_output=True, text=True, timeout=600)
    assert done.returncode != 0
    assert f"Received submission for assignment 'None' (this is assignment '{LAB}')" in done.stderr


@pytest.mark.slow
def test_otter_check_runs_the_public_self_checks(assigned, tmp_path):
    _, dist, _ = assigned
    student = dist / "student"
    stub = otter("check", f"{LAB}.ipynb", "-q", "chain_rule", cwd=student)
    assert "chain_rule_derivative is not implemented yet" in stub
    solution = tmp_path / f"{LAB}.ipynb"
    solution.write_bytes((dist / "autograder" / f"{LAB}.ipynb").read_bytes())
    assert "All tests passed!" in otter("check", str(solution), "-t", str(student / "tests"), cwd=student)


@pytest.mark.slow
def test_every_lab_exports_and_otter_assigns(tmp_path):
    export(tmp_path)
    for lab in all_lab_ids():
        folder = tmp_path / lab
        otter("assign", "--no-run-tests", f"{lab}.ipynb", "dist", cwd=folder)
        spec = load_spec(lab)
        student = nbformat.read(folder / "dist" / "student" / f"{lab}.ipynb", as_version=4)
        assert exercise_cells(student) == exercise_cells(student_notebook(lab)), lab
        tests = folder / "dist" / "student" / "tests"
        assert sorted(p.stem for p in tests.glob("*.py")) == sorted(spec.exercises), lab
        assert not re.search(r"#\s*(?:BEGIN|END) (?:SOLUTION|PROMPT)", "\n".join(c.source for c in student.cells))
