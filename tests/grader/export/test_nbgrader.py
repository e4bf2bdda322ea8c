"""`dlcv export nbgrader`: a real nbgrader course, run through nbgrader's own commands, that gives each test cell
dlcv's score for its exercise, feedback with dlcv's messages and nothing hidden, and the same totals as `dlcv grade`.

Lab 1 goes the whole way (export, generate_assignment, autograde, generate_feedback, export) for four students:
alice (the solution), bob (partly wrong), carol (the released notebook unchanged) and mallory (bob's answers plus
cells that patch the checker); one more goes through nbgrader's exchange (release, fetch, submit, collect). Every
lab's course passes generate_assignment and releases exactly the lab's student notebook.
"""

import copy
import csv
import getpass
import html
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbgrader.api import Gradebook

import solutions.gradient_descent as ref
from autograder.build.notebook import exercise_points
from autograder.cli import main
from autograder.course import all_lab_ids, get_lab
from autograder.export import ExportError
from autograder.export import nbgrader as exporter
from autograder.export.grading import grade_notebook
from autograder.project import Project
from helpers import (
    ROOT,
    assert_messages_reveal_no_hidden_values,
    distinctive_spec_lines,
    record_hidden_values,
    replace_function,
    secret_solution_lines,
)

LAB = "01_gradient_descent"
EXAMPLES = ROOT / "examples" / "submissions"
BIN = Path(sys.executable).parent
STUDENTS = ("alice", "bob", "carol", "eve", "mallory")

# mallory's extra cell: under nbgrader's own Execute step every check passes and every test cell scores in full
PATCH_THE_CHECKER = '''\
import labkit, labkit.selfcheck

def check(*args, **kwargs):
    print("all tests passed")

labkit.check = labkit.selfcheck.check = check

try:  # and the grader, were it importable where this runs: every test cell's outputs left empty mean full marks
    import autograder.export.nbgrader_grade as grader
    grader.graded_outputs = lambda results, exercise: []
except ImportError:
    pass
'''


def run_nbgrader(course, *args):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # nbgrader runs `alembic`
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True)


def nbgrader(course, *args):
    """Run a real ``nbgrader`` command in the course folder; fail the test with its log if it fails."""
    done = run_nbgrader(course, *args)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    assert "[ERROR]" not in done.stderr and "| ERROR]" not in done.stderr, done.stderr
    return done


def as_released(released, example):
    """The released notebook with the student's cells (exercises and answers) of an example submission: what a
    student of the nbgrader course hands in."""
    nb = copy.deepcopy(released)
    answers = {cell.id: cell.source for cell in example.cells}
    for cell in nb.cells:
        if cell.metadata["nbgrader"]["solution"]:
            cell.source = answers[cell.id]
    return nb


def tampered(nb):
    """``nb`` after everything mallory tries in her own notebook: a cell that replaces labkit's check, test cells
    with a full-marks output written in, one test cell rewritten and one deleted."""
    nb = copy.deepcopy(nb)
    tests = [cell for cell in nb.cells if cell.metadata["nbgrader"]["grade"] and cell.cell_type == "code"]
    for cell in tests:
        cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "100"}, execution_count=1)]
    tests[0].source = 'print("all tests passed")'
    nb.cells.remove(tests[-1])
    first_code = next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code")
    nb.cells.insert(first_code + 1, nbformat.v4.new_code_cell(PATCH_THE_CHECKER))
    return nb


def peeking(nb, course):
    """``nb`` whose ``f`` is right only while the course's solutions and alice's submission are out of its reach."""
    secrets = [str(course / "source" / LAB / f"{LAB}.ipynb"), str(submitted_path(course, "alice"))]
    return replace_function(nb, "f", f'''
        def f(x):
            for path in {secrets!r}:
                try:
                    open(path).read()
                except OSError:
                    continue
                return x ** 2 + 1  # it could read one
            return x ** 2
        ''')


def submitted_path(course, student):
    return course / "submitted" / student / LAB / f"{LAB}.ipynb"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Lab 1's course after export, generate_assignment, autograde, generate_feedback and export."""
    root = tmp_path_factory.mktemp("course")
    assert main(["export", "nbgrader", str(root), "--lab", "1", "--root", str(ROOT)]) == 0
    nbgrader(root, "generate_assignment", LAB)
    released = nbformat.read(root / "release" / LAB / f"{LAB}.ipynb", as_version=4)
    bob = as_released(released, nbformat.read(EXAMPLES / f"bob_{LAB}.ipynb", as_version=4))
    alice = as_released(released, nbformat.read(EXAMPLES / f"alice_{LAB}.ipynb", as_version=4))
    notebooks = {"alice": alice, "bob": bob, "carol": released, "eve": peeking(alice, root), "mallory": tampered(bob)}
    for student, nb in notebooks.items():
        submitted_path(root, student).parent.mkdir(parents=True)
        nbformat.write(nb, submitted_path(root, student))
    nbgrader(root, "autograde", LAB)
    nbgrader(root, "generate_feedback", LAB)
    nbgrader(root, "export")
    dlcv = {student: grade_notebook(submitted_path(root, student), LAB, student=student) for student in STUDENTS}
    return SimpleNamespace(root=root, dlcv=dlcv)


def gradebook_scores(course, student):
    """Grade id -> (auto score, max score, needs manual grade) of a student's submission, from nbgrader's database."""
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        grades = gb.find_submission_notebook(LAB, LAB, student).grades
        return {grade.name: (grade.auto_score, grade.max_score, grade.needs_manual_grade) for grade in grades}


def exercise_of_test_cells(course):
    """Grade id -> exercise of the course's autograded test cells, from its source notebook."""
    return exporter.exercise_test_cells(nbformat.read(course.root / "source" / LAB / f"{LAB}.ipynb", as_version=4))


def exercise_scores(results):
    return {name: totals["score"] for name, totals in results["extra_data"]["exercises"].items()}


def failed_messages(results, exercise=None):
    """dlcv's messages on the failed tests of a submission (of one exercise)."""
    return [t["output"] for t in results["tests"] if t["status"] != "passed"
            and (exercise is None or t["name"].startswith(f"{exercise}: "))]


def answer_points(nb):
    """The points of a notebook's hand-graded answer cells."""
    return sum(c.metadata["nbgrader"]["points"] for c in nb.cells if "answer" in c.metadata.get("dlcv", {}))


@pytest.mark.slow
@pytest.mark.parametrize("student", ["alice", "bob", "carol", "eve"])
def test_autograde_gives_every_test_cell_dlcvs_score_for_its_exercise(course, student):
    results = course.dlcv[student]
    grades = gradebook_scores(course, student)
    tests = exercise_of_test_cells(course)
    assert sorted(tests.values()) == sorted(results["extra_data"]["exercises"])  # one test cell per exercise
    assert {tests[g]: score for g, (score, _, _) in grades.items() if g in tests} == exercise_scores(results)
    assert {tests[g]: top for g, (_, top, _) in grades.items() if g in tests} == {
        name: totals["max_score"] for name, totals in results["extra_data"]["exercises"].items()}
    assert not any(manual for g, (_, _, manual) in grades.items() if g in tests)
    answers = {g: grade for g, grade in grades.items() if g not in tests}
    assert answers  # Lab 1 has a hand-graded answer; formgrader grades it, unless it is the untouched stub (zero)
    if student == "carol":
        assert results["score"] == 0 and all(score == 0 and not manual for score, _, manual in answers.values())
    else:
        assert all(score is None and manual for score, _, manual in answers.values())
    if student == "bob":
        assert 0 < results["score"] < results["extra_data"]["max_score"]


@pytest.mark.slow
def test_autograded_test_cells_hold_dlcvs_feedback_and_score_as_partial_credit(course):
    nb = nbformat.read(course.root / "autograded" / "bob" / LAB / f"{LAB}.ipynb", as_version=4)
    tests, results = exercise_of_test_cells(course), course.dlcv["bob"]
    graded = [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade_id") in tests]
    assert len(graded) == len(tests)
    partial = 0
    for cell in graded:
        exercise = tests[cell.metadata["nbgrader"]["grade_id"]]
        stream, value = cell.outputs
        assert stream.name == "stdout" and value.output_type == "execute_result"
        assert float(value.data["text/plain"]) == results["extra_data"]["exercises"][exercise]["score"]
        lines = [line for message in failed_messages(results, exercise) for line in message.splitlines()]
        assert all(line in stream.text for line in lines)
        partial += 0 < float(value.data["text/plain"]) < cell.metadata["nbgrader"]["points"]
    assert partial >= 1  # bob's gradient_descent passes some of its tests: nbgrader keeps the partial credit


@pytest.mark.slow
def test_feedback_html_has_dlcvs_messages_and_nothing_hidden(course, monkeypatch):
    feedback = {student: (course.root / "feedback" / student / LAB / f"{LAB}.html").read_text()
                for student in STUDENTS}
    hidden = distinctive_spec_lines(ROOT / "autograder" / "hidden" / f"{LAB}.py")
    solution = secret_solution_lines(ROOT / "solutions" / "gradient_descent.py")
    assert hidden and solution
    for student, page in feedback.items():
        text = html.unescape(page)
        assert [line for line in hidden if line in text] == [], student
        results = course.dlcv[student]
        shown = [t["name"].split(": ", 1)[-1] for t in results["tests"]]  # what each hidden test checks
        shown += [line for message in failed_messages(results) for line in message.splitlines()]  # why it failed
        assert len(shown) >= len(results["tests"]) > 0
        assert [line for line in shown if line not in text] == [], student
    assert [line for line in solution if line in html.unescape(feedback["carol"])] == []
    assert "not implemented yet" in html.unescape(feedback["carol"])
    # the numbers in bob's messages are none of the hidden inputs or reference values of the same (seeded) run
    secrets = record_hidden_values(ref, ("gradient_descent", "numerical_derivative", "numerical_gradient",
                                         "chain_rule_derivative", "nonconvex_grad", "f_2d"), monkeypatch)
    replay = grade_notebook(submitted_path(course.root, "bob"), LAB, student="bob")
    assert replay["tests"] == course.dlcv["bob"]["tests"]
    assert_messages_reveal_no_hidden_values(failed_messages(replay), secrets)


@pytest.mark.slow
def test_nbgrader_export_csv_has_the_totals_of_dlcv_grade_plus_the_hand_graded_points(course, tmp_path, capsys):
    assert main(["grade", str(course.root / "submitted"), "--out", str(tmp_path), "-j", "2"]) == 0  # dlcv's own
    with open(tmp_path / "gradebook.csv", newline="") as handle:
        dlcv = {row["student"]: row for row in csv.DictReader(handle)}
    with open(course.root / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert sorted(rows) == sorted(dlcv) == sorted(STUDENTS)
    answers = answer_points(nbformat.read(course.root / "source" / LAB / f"{LAB}.ipynb", as_version=4))
    assert answers > 0
    tests = exercise_of_test_cells(course)
    for student, row in rows.items():
        assert row["assignment"] == LAB
        assert float(row["raw_score"]) == float(row["score"]) == float(dlcv[student]["total"])  # answers: not yet
        assert float(row["max_score"]) == float(dlcv[student]["max"]) + answers
        per_exercise = {tests[g]: s for g, (s, _, _) in gradebook_scores(course, student).items() if g in tests}
        assert per_exercise == {name: float(dlcv[student][f"{LAB}:{name}"]) for name in per_exercise}
    assert 0 < float(rows["bob"]["raw_score"]) < float(rows["alice"]["raw_score"])


@pytest.mark.slow
def test_validate_runs_the_public_checks_of_the_released_notebook(course, tmp_path):
    folder = shutil.copytree(course.root / "release" / LAB, tmp_path / LAB)  # what a student fetches
    nbformat.write(nbformat.read(submitted_path(course.root, "alice"), as_version=4), folder / "alice.ipynb")
    assert "Success! Your notebook passes all the tests." in run_nbgrader(folder, "validate", "alice.ipynb").stdout
    stub = run_nbgrader(folder, "validate", f"{LAB}.ipynb").stdout
    released = nbformat.read(folder / f"{LAB}.ipynb", as_version=4)
    answers = [c for c in released.cells if "answer" in c.metadata.get("dlcv", {})]
    tests = exercise_of_test_cells(course)
    assert f"VALIDATION FAILED ON {len(tests) + len(answers)} CELL(S)!" in stub  # every test cell, every answer
    assert stub.count("is not implemented yet") == len(tests) == len(course.dlcv["carol"]["extra_data"]["exercises"])


@pytest.mark.slow
def test_a_submission_that_patches_the_checker_gains_nothing(course):
    mallory = course.dlcv["mallory"]
    honest = grade_notebook(submitted_path(course.root, "bob"), LAB, student="mallory")  # bob's file, mallory's seed
    tests = exercise_of_test_cells(course)
    nbgrader_scores = {tests[g]: s for g, (s, _, _) in gradebook_scores(course, "mallory").items() if g in tests}
    assert nbgrader_scores == exercise_scores(mallory) == exercise_scores(honest)
    assert sum(nbgrader_scores.values()) < mallory["extra_data"]["max_score"]


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="hiding the course folder needs root (mount namespaces)")
def test_the_courses_solutions_and_other_submissions_are_out_of_a_submissions_reach(course):
    tests = exercise_of_test_cells(course)
    scores = {tests[g]: s for g, (s, _, _) in gradebook_scores(course, "eve").items() if g in tests}
    assert scores == exercise_scores(course.dlcv["alice"])  # eve's f opened neither file
    assert course.dlcv["eve"]["extra_data"]["protections"]["private_tmp"]  # the course lives in /tmp here


@pytest.mark.slow
def test_the_same_patch_fools_nbgraders_own_execute_step(course, tmp_path):
    """Why the course replaces Execute: graded in nbgrader's kernel, mallory's patched check passes everything."""
    plain = tmp_path / "plain"
    for name in ("source", "submitted", "gradebook.db"):
        (shutil.copytree if (course.root / name).is_dir() else shutil.copy)(course.root / name, plain / name)
    (plain / "nbgrader_config.py").write_text("c = get_config()\n")
    nbgrader(plain, "autograde", LAB, "--student", "mallory")
    with Gradebook(f"sqlite:///{plain / 'gradebook.db'}") as gb:
        fooled = gb.find_submission(LAB, "mallory").code_score
    assert fooled == course.dlcv["mallory"]["extra_data"]["max_score"] > course.dlcv["mallory"]["score"]


def copy_course(course, to):
    """A copy of the graded course, for a test that changes it."""
    shutil.copytree(course.root, to, ignore=shutil.ignore_patterns("feedback", "grades.csv"))
    return to


@pytest.mark.slow
def test_release_fetch_submit_collect_then_autograde_through_nbgraders_exchange(course, tmp_path):
    root, exchange, home = copy_course(course, tmp_path / "course"), tmp_path / "exchange", tmp_path / "student"
    exchange.mkdir(mode=0o777)
    home.mkdir()
    with open(root / "nbgrader_config.py", "a") as config:  # what the config's comment asks for
        config.write(f'c.CourseDirectory.course_id = "dlcv"\nc.Exchange.root = "{exchange}"\n')
    nbgrader(root, "release_assignment", LAB)
    student = ["--CourseDirectory.course_id=dlcv", f"--Exchange.root={exchange}"]
    nbgrader(home, "fetch_assignment", LAB, *student)
    fetched = home / LAB / f"{LAB}.ipynb"
    answers = nbformat.read(EXAMPLES / f"bob_{LAB}.ipynb", as_version=4)
    nbformat.write(as_released(nbformat.read(fetched, as_version=4), answers), fetched)
    nbgrader(home, "submit", LAB, *student)
    nbgrader(root, "collect", LAB)
    user = getpass.getuser()
    assert submitted_path(root, user).is_file()
    nbgrader(root, "autograde", LAB, "--student", user)
    results = grade_notebook(submitted_path(root, user), LAB, student=user)
    tests = exercise_of_test_cells(course)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "dlcv") as gb:
        grades = gb.find_submission_notebook(LAB, LAB, user).grades
        assert {tests[g.name]: g.auto_score for g in grades if g.name in tests} == exercise_scores(results)
    assert 0 < results["score"] < results["extra_data"]["max_score"]


@pytest.mark.slow
def test_answers_graded_by_hand_in_the_gradebook_add_to_dlcvs_score_in_nbgraders_export(course, tmp_path):
    root = copy_course(course, tmp_path / "course")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:  # what formgrader does when the staff grades
        answers = [g for g in gb.find_submission_notebook(LAB, LAB, "bob").grades if g.needs_manual_grade]
        assert answers
        for grade in answers:
            grade.manual_score = grade.max_score - 1
        gb.db.commit()
        manual = sum(g.max_score - 1 for g in answers)
    nbgrader(root, "export")
    with open(root / "grades.csv", newline="") as handle:
        bob = next(row for row in csv.DictReader(handle) if row["student_id"] == "bob")
    assert float(bob["score"]) == course.dlcv["bob"]["score"] + manual


@pytest.mark.slow
def test_autograde_stops_with_what_to_do_when_the_course_and_dlcvs_points_differ(course, tmp_path):
    root = copy_course(course, tmp_path / "course")
    grade_id, exercise = next(iter(exercise_of_test_cells(course).items()))
    source = root / "source" / LAB / f"{LAB}.ipynb"  # as if exported before the spec changed that exercise's points
    nb = nbformat.read(source, as_version=4)
    [cell] = [c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == grade_id]
    cell.metadata["nbgrader"]["points"] += 1
    nbformat.write(nb, source)
    nbgrader(root, "generate_assignment", LAB, "--force")
    done = run_nbgrader(root, "autograde", LAB, "--student", "bob", "--force")
    assert done.returncode != 0
    assert f"the test cell of {exercise} is worth" in done.stderr and "export the course again" in done.stderr


def reference_module(project, lab):
    """The path of the lab's reference module (``solutions/<topic>.py``)."""
    return get_lab(lab).reference_path(project)


def handout(cell):
    """Whether a cell hands out an earlier lab's answer on purpose (``provided`` from another module)."""
    return any(":" in name for name in cell.metadata.get("dlcv", {}).get("provided", []))


@pytest.mark.slow
def test_every_lab_becomes_an_assignment_whose_release_is_the_student_notebook(tmp_path):
    project = Project(ROOT)
    labs = all_lab_ids()
    exporter.export(project, tmp_path, labs)
    nbgrader(tmp_path, "generate_assignment", "*")
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        max_scores = {a.name: a.max_score for a in gb.assignments}
    assert sorted(max_scores) == sorted(labs)
    for lab in labs:
        source = nbformat.read(tmp_path / "source" / lab / f"{lab}.ipynb", as_version=4)
        released = nbformat.read(tmp_path / "release" / lab / f"{lab}.ipynb", as_version=4)
        student = nbformat.read(ROOT / "labs" / f"{lab}.ipynb", as_version=4)
        assert [c.source for c in released.cells] == [c.source for c in student.cells], lab
        secret = secret_solution_lines(reference_module(project, lab))
        source_lines = {line.strip() for c in source.cells for line in c.source.splitlines()}
        own = [c for c, s in zip(released.cells, student.cells) if not handout(s)]  # handouts: earlier labs' answers
        released_lines = {line.strip() for c in own for line in c.source.splitlines()}
        assert secret & source_lines and not secret & released_lines, lab  # the course has them, students do not
        tests = exporter.exercise_test_cells(source)
        points = {tests[c.metadata["nbgrader"]["grade_id"]]: c.metadata["nbgrader"]["points"]
                  for c in released.cells if c.metadata["nbgrader"]["grade_id"] in tests}
        assert points == exercise_points(get_lab(lab)), lab
        assert max_scores[lab] == sum(points.values()) + answer_points(released), lab
        assert (tmp_path / "release" / lab / "labkit" / "selfcheck.py").is_file()


def test_export_refuses_a_folder_that_is_not_a_dlcv_course(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["export", "nbgrader", str(tmp_path), "--lab", "1", "--root", str(ROOT)]) == 1
    error = capsys.readouterr().err
    assert "is not empty" in error and "give a new or empty folder" in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_export_refuses_an_unknown_lab(tmp_path, capsys):
    assert main(["export", "nbgrader", str(tmp_path / "course"), "--lab", "42", "--root", str(ROOT)]) == 2
    assert "no lab '42'; the labs are: 01_gradient_descent" in capsys.readouterr().err
    with pytest.raises(ExportError, match="no lab 99_nothing; the labs are: 01_gradient_descent"):
        exporter.export(Project(ROOT), tmp_path / "course", ["99_nothing"])
    assert not (tmp_path / "course").exists()


def test_exporting_again_updates_the_labs_and_keeps_the_course_config(tmp_path):
    project = Project(ROOT)
    first = exporter.export(project, tmp_path, [LAB])
    notebook = tmp_path / "source" / LAB / f"{LAB}.ipynb"
    exported = notebook.read_bytes()
    config = tmp_path / "nbgrader_config.py"
    config.write_text(config.read_text() + 'c.CourseDirectory.course_id = "dlcv-2026"\n')
    notebook.write_text("edited by hand")
    (tmp_path / "gradebook.db").write_bytes(b"the course's own")
    again = exporter.export(project, tmp_path, [LAB])
    assert config not in again and set(again) == set(first) - {config}
    assert notebook.read_bytes() == exported  # byte-identical for the same inputs
    assert config.read_text().endswith('course_id = "dlcv-2026"\n')
    assert (tmp_path / "gradebook.db").read_bytes() == b"the course's own"
