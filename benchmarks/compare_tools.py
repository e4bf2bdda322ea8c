"""Benchmark: the same submissions graded by dlcv, by nbgrader's native path and by otter-grader's native path.

For each lab (default: Labs 1 and 3), ``--copies`` submissions (default 21: alice, bob and carol of
``examples/submissions`` in turn — correct, partly wrong, the untouched stub) are graded, in one run, three ways:

1. ``dlcv grade`` (:func:`autograder.grade.batch.grade_batch`) at ``-j 1``, and at ``-j 2`` for the throughput;
2. **nbgrader, natively**: a course built here for comparison only, whose source notebook is the lab's student
   notebook plus one hidden autograder test cell per exercise worth its points; the cell runs the exercise's
   hidden tests in the student's own kernel (``native_grading.py``). ``nbgrader autograde`` executes every
   submission and its test cells — what a course does without dlcv;
3. **otter-grader, natively**: the same tests as otter test files (exception format), an autograder zip from
   ``otter generate``, and ``otter run`` on each submission.

It prints seconds per submission of each and the ratios, and checks that the three agree on which exercises of
which submissions are right (an exercise is right when it gets all its points). With ``--exported`` it also
measures what ``nbgrader autograde`` costs on top of dlcv when a course uses ``dlcv export nbgrader`` (its
autograde step grades with dlcv).

Run: ``python benchmarks/compare_tools.py [--labs 1 3] [--copies 21] [--exported]`` (a few minutes; nbgrader and
otter execute whole notebooks).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent  # nbgrader and otter of this environment (nbgrader also shells out to alembic)

from autograder.course import (  # noqa: E402
    gradable_lab_ids,
    load_spec,  # noqa: E402
    select_labs,
)
from autograder.grade import results as schema  # noqa: E402
from autograder.grade.batch import grade_batch  # noqa: E402
from autograder.grade.submissions import find_submissions  # noqa: E402
from autograder.project import find_project  # noqa: E402

KINDS = ("alice", "bob", "carol")


def _env():
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("NBGRADER_EXECUTION", None)
    return env


def _run(command, cwd):
    completed = subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed ({completed.returncode}):\n"
                           f"{completed.stdout[-2000:]}\n{completed.stderr[-3000:]}")
    return completed


def make_batch(folder, lab, copies):
    """``copies`` submissions of ``lab`` in ``folder``: (student, path), alice/bob/carol in turn."""
    batch = []
    for i in range(copies):
        kind = KINDS[i % len(KINDS)]
        student = f"{kind}{i:02d}"
        path = folder / f"{student}_{lab}.ipynb"
        shutil.copy(ROOT / "examples" / "submissions" / f"{kind}_{lab}.ipynb", path)
        batch.append((student, path))
    return batch


def _hidden_test_code(lab, exercise):
    return (f"### BEGIN HIDDEN TESTS\nimport sys\nsys.path.insert(0, {str(BENCHMARKS)!r})\n"
            f"from native_grading import run_exercise\nrun_exercise({lab!r}, {exercise!r}, globals())\n"
            "### END HIDDEN TESTS")


# -------------------------------------------------------------------------------------------------- dlcv


def grade_with_dlcv(batch, lab, jobs):
    """(seconds per submission, {student: {exercise: right?}})."""
    submissions, _ = find_submissions([p for _, p in batch], [lab])
    out = Path(tempfile.mkdtemp(prefix="dlcv-compare-"))
    try:
        started = time.perf_counter()
        outcome = grade_batch(submissions, out, jobs=jobs, force=True)
        seconds = (time.perf_counter() - started) / len(batch)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    verdicts = {sub.student: {e: t["score"] == t["max_score"] for e, t in schema.exercises(results).items()}
                for sub, results in outcome.graded}
    return seconds, verdicts


# ---------------------------------------------------------------------------------------- nbgrader, native


NBGRADER_CONFIG = """\
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "dlcv-native-benchmark"
c.OverwriteCells.add_missing_cells = True
c.ExecutePreprocessor.timeout = 600
"""


def native_nbgrader_course(course, lab):
    """An nbgrader course for ``lab`` whose hidden test cells run the hidden tests in the student's kernel."""
    spec = load_spec(lab)
    (course / "source" / lab).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(root=str(course)))
    shutil.copytree(ROOT / "labs" / "labkit", course / "source" / lab / "labkit")
    nb = nbformat.read(ROOT / "labs" / f"{lab}.ipynb", as_version=4)
    for exercise in spec.exercises:
        cell = nbformat.v4.new_code_cell(_hidden_test_code(lab, exercise))
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"hidden_{exercise}", "locked": True,
                                     "points": spec.max_score(exercise), "schema_version": 3, "solution": False,
                                     "task": False}
        nb.cells.append(cell)
    nbformat.write(nb, course / "source" / lab / f"{lab}.ipynb")
    _run([BIN / "nbgrader", "generate_assignment", lab, "--force"], course)


def grade_with_nbgrader(course, batch, lab):
    """Submit ``batch`` to the course, run ``nbgrader autograde`` once; (seconds per submission, verdicts)."""
    submit_to_nbgrader(course, batch, lab)
    started = time.perf_counter()
    _run([BIN / "nbgrader", "autograde", lab, "--force"], course)
    seconds = (time.perf_counter() - started) / len(batch)
    return seconds, nbgrader_verdicts(course, batch, lab, prefix="hidden_")


def submit_to_nbgrader(course, batch, lab):
    """Put each submission in ``course/submitted/<student>/<lab>/`` as a student of that course would hand it in:
    the released notebook with the student's answers in its solution cells (matched by grade id)."""
    released = nbformat.read(course / "release" / lab / f"{lab}.ipynb", as_version=4)
    for student, path in batch:
        answers = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source
                   for cell in nbformat.read(path, as_version=4).cells}
        nb = nbformat.from_dict(json.loads(json.dumps(released)))
        for cell in nb.cells:
            grading = cell.metadata.get("nbgrader", {})
            if grading.get("solution") and grading.get("grade_id") in answers:
                cell.source = answers[grading["grade_id"]]
        folder = course / "submitted" / student / lab
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{lab}.ipynb")
        shutil.copytree(course / "release" / lab / "labkit", folder / "labkit", dirs_exist_ok=True)


def nbgrader_verdicts(course, batch, lab, prefix="", grade_ids=None):
    """{student: {exercise: right?}} from the course's gradebook: the grade cell of an exercise is
    ``grade_ids[exercise]``, by default ``prefix + exercise``."""
    from nbgrader.api import Gradebook

    spec = load_spec(lab)
    grade_ids = grade_ids or {exercise: f"{prefix}{exercise}" for exercise in spec.exercises}
    verdicts = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student, _ in batch:
            verdicts[student] = {}
            for exercise in spec.exercises:
                grade = gradebook.find_grade(grade_ids[exercise], lab, lab, student)
                verdicts[student][exercise] = grade.score == grade.max_score
    return verdicts


# ------------------------------------------------------------------------------------------- otter, native


def native_otter_autograder(folder, lab):
    """An otter autograder zip for ``lab`` whose test files run the hidden tests in the student's kernel."""
    spec = load_spec(lab)
    tests = folder / "tests"
    tests.mkdir(parents=True)
    for exercise in spec.exercises:
        body = textwrap.indent(_hidden_test_code(lab, exercise).split("\n", 1)[1].rsplit("\n", 1)[0]
                               .replace("globals()", "env"), "    ")
        (tests / f"{exercise}.py").write_text(
            f"from otter.test_files import test_case\n\nOK_FORMAT = False\nname = {exercise!r}\n"
            f"points = {spec.max_score(exercise)}\n\n\n@test_case(points={spec.max_score(exercise)}, hidden=True)\n"
            f"def hidden_tests(env):\n{body}\n")
    shutil.copytree(ROOT / "labs" / "labkit", folder / "labkit")
    _run([BIN / "otter", "generate", "-t", "tests", "-o", "autograder.zip", "--no-config", "--no-requirements",
          "--no-environment", "labkit"], folder)
    return folder / "autograder.zip"


def grade_with_otter(zip_path, batch, lab):
    """``otter run`` on each submission; (seconds per submission, verdicts)."""
    spec = load_spec(lab)
    verdicts, started = {}, time.perf_counter()
    for student, path in batch:
        out = zip_path.parent / "runs" / student
        out.mkdir(parents=True)
        _run([BIN / "otter", "run", "-a", zip_path, "-o", out, "--no-logo", path], zip_path.parent)
        results = json.loads((out / "results.json").read_text())
        scores = {test["name"]: (test["score"], test["max_score"]) for test in results["tests"]
                  if "score" in test}  # one entry per question, besides otter's "Public Tests" summary
        verdicts[student] = {e: e in scores and scores[e][0] == scores[e][1] == spec.max_score(e)
                             for e in spec.exercises}
    return (time.perf_counter() - started) / len(batch), verdicts


# ------------------------------------------------------------------------------------ exported nbgrader


def grade_with_exported_course(work, batch, lab):
    """``dlcv export nbgrader`` then ``nbgrader autograde``; (seconds per submission, verdicts)."""
    from autograder.export import nbgrader as exporter

    course = work / "exported"
    exporter.export(find_project(ROOT), course, [lab])
    _run([BIN / "nbgrader", "generate_assignment", lab, "--force"], course)
    submit_to_nbgrader(course, batch, lab)
    started = time.perf_counter()
    _run([BIN / "nbgrader", "autograde", lab, "--force"], course)
    seconds = (time.perf_counter() - started) / len(batch)
    source = nbformat.read(course / "source" / lab / f"{lab}.ipynb", as_version=4)
    grade_ids = {exercise: grade_id for grade_id, exercise in exporter.exercise_test_cells(source).items()}
    return seconds, nbgrader_verdicts(course, batch, lab, grade_ids=grade_ids)


# ----------------------------------------------------------------------------------------------- report


def disagreements(reference, other):
    """(student, exercise) pairs on which ``other`` says right and ``reference`` wrong, or the reverse."""
    return sorted((s, e) for s, per in reference.items() for e, right in per.items() if other[s][e] != right)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", nargs="+", default=["1", "3"], help="lab numbers or ids (default: 1 3)")
    parser.add_argument("--copies", type=int, default=21, help="submissions per lab (default 21)")
    parser.add_argument("--exported", action="store_true",
                        help="also time nbgrader autograde on a `dlcv export nbgrader` course")
    args = parser.parse_args()
    lab_ids = select_labs(gradable_lab_ids(), args.labs)
    rows, ok = [], True
    for lab in lab_ids:
        work = Path(tempfile.mkdtemp(prefix=f"dlcv-compare-{lab}-"))
        try:
            batch = make_batch(work, lab, args.copies)
            dlcv_1, verdicts = grade_with_dlcv(batch, lab, jobs=1)
            dlcv_2, verdicts_2 = grade_with_dlcv(batch, lab, jobs=2)
            course = work / "nbgrader"
            native_nbgrader_course(course, lab)
            nbgrader_s, nbgrader_v = grade_with_nbgrader(course, batch, lab)
            zip_path = native_otter_autograder(work / "otter", lab)
            otter_s, otter_v = grade_with_otter(zip_path, batch, lab)
            exported, exported_v = grade_with_exported_course(work, batch, lab) if args.exported else (None, None)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        differ = {"dlcv -j2": disagreements(verdicts, verdicts_2), "nbgrader": disagreements(verdicts, nbgrader_v),
                  "otter": disagreements(verdicts, otter_v)}
        if exported_v is not None:
            differ["exported nbgrader"] = disagreements(verdicts, exported_v)
        right = sum(all(per.values()) for per in verdicts.values())
        rows.append((lab, len(batch), right, dlcv_1, dlcv_2, nbgrader_s, otter_s, exported, differ))
        ok = ok and not any(differ.values())

    print(f"\n{'lab':<22}{'subs':>5}{'all right':>10}{'dlcv -j1':>10}{'dlcv -j2':>10}{'nbgrader':>10}"
          f"{'otter':>9}{'nbg/dlcv':>10}{'otter/dlcv':>11}" + (f"{'exported':>10}" if args.exported else ""))
    print(f"{'':<37}{'s/submission':^30}{'native, s/submission':^20}")
    for lab, n, right, d1, d2, nb, ot, exported, _ in rows:
        line = (f"{lab:<22}{n:>5}{right:>10}{d1:>10.3f}{d2:>10.3f}{nb:>10.3f}{ot:>9.3f}{nb / d1:>9.1f}x"
                f"{ot / d1:>10.1f}x")
        if exported is not None:
            line += f"{exported:>10.3f}"
        print(line)
    print("\nratios: native seconds per submission / dlcv's at -j1 (goal: nbgrader >= 20x, otter >= 60x)")
    if args.exported:
        print("exported: nbgrader autograde on a `dlcv export nbgrader` course (its autograde step is dlcv's "
              "grader); its cost on top of dlcv = exported - dlcv -j1")
    for lab, *_, differ in rows:
        for tool, pairs in differ.items():
            if pairs:
                print(f"DISAGREE {lab} {tool}: {len(pairs)} (student, exercise) verdicts differ from dlcv's, "
                      f"e.g. {pairs[:5]}")
    print("every tool agrees with dlcv on which exercises are right" if ok else "the tools disagree (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
