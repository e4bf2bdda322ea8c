"""The grader end to end: the CLI on batches, bad files, hanging and crashing code, results and gradebook."""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.grade.extract import definitions_only, program_from_notebook
from autograder.grade.batch import default_seed
from autograder.grade.submissions import find_submissions
from autograder.sandbox import Limits
from helpers import ROOT, exercise_scores, failed_tests, grade_notebook, replace_function, solution_notebook, student_notebook

LAB = "01_gradient_descent"
HANGS = """
    def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
        while True:
            pass
    """


def dlcv(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True)


def test_definitions_are_kept_and_top_level_work_is_dropped_with_line_numbers():
    source = ("import numpy as np\nX = 3\nY = np.zeros(3)\nW = train_for_hours()\nplot(W)\n\n@decorator\n"
              "def f(x):\n    return x\n")
    kept = definitions_only(source).splitlines()
    assert kept == ["import numpy as np", "X = 3", "Y = np.zeros(3)", "", "", "", "@decorator", "def f(x):",
                    "    return x"]


def test_lambdas_aliases_and_guarded_definitions_count_as_definitions():
    source = ("f = lambda x: x**2\ngradient_descent = my_descent\nEPS = math.sqrt(2) * 1e-5\n"
              "if USE_FAST:\n    def g(x):\n        return x\nelse:\n    run_experiment()\n"
              "try:\n    import torch\nexcept ImportError:\n    torch = None\n"
              "for i in range(3):\n    def h(): pass\n")
    kept = definitions_only(source)
    namespace = {"my_descent": abs, "math": __import__("math"), "USE_FAST": True}
    exec(kept, namespace)
    assert namespace["f"](3) == 9 and namespace["gradient_descent"] is abs and namespace["g"](2) == 2
    assert "run_experiment" not in kept and "h" not in namespace
    assert kept.splitlines()[4].strip() == "def g(x):"  # guarded blocks stay on their lines


def test_magics_and_syntax_errors_do_not_hide_the_other_cells(tmp_path):
    nb = solution_notebook(LAB)
    nb.cells.insert(1, nbformat.v4.new_code_cell("%matplotlib inline\n!ls\ndef helper():\n    return 1"))
    nb.cells.insert(2, nbformat.v4.new_code_cell("def broken(:\n    pass"))
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    program = program_from_notebook(path)
    assert any("def helper" in source for _, source in program.cells)
    assert program.problems == ["code cell 3 has a syntax error at line 1 and was skipped: invalid syntax"]
    results = grade_notebook(path, LAB, tmp_path)
    assert results["score"] == results["extra_data"]["max_score"]
    assert "syntax error" in results["output"]


def test_a_hanging_function_loses_only_its_own_tests(tmp_path):
    nb = replace_function(solution_notebook(LAB), "gradient_descent", HANGS)
    limits = Limits(test_seconds=1.0)
    started = time.monotonic()
    results = grade_notebook(nb, LAB, tmp_path, limits=limits)
    elapsed = time.monotonic() - started
    scores = exercise_scores(results)
    assert scores["gradient_descent"] == 0
    assert sum(scores.values()) == results["extra_data"]["max_score"] - 8
    messages = [m for name, m in failed_tests(results).items() if name.startswith("gradient_descent")]
    assert len(messages) == 5 and all("did not return within 1 s" in m for m in messages)
    assert elapsed < 5 * 1.0 + 15  # each hang is cut at its limit (generous slack for worker restarts)


def test_a_function_that_kills_its_process_loses_only_its_tests(tmp_path):
    nb = replace_function(solution_notebook(LAB), "chain_rule_derivative", """
        def chain_rule_derivative(x):
            import os
            os._exit(0)
        """)
    results = grade_notebook(nb, LAB, tmp_path)
    assert exercise_scores(results)["chain_rule"] == 0
    assert results["score"] == results["extra_data"]["max_score"] - 2
    assert all("the sandbox stopped" in m for m in failed_tests(results).values())


def test_student_code_can_import_the_standard_library_in_the_sandbox(tmp_path):
    nb = replace_function(solution_notebook(LAB), "f", """
        def f(x):
            import fractions, statistics  # not imported by the worker itself
            return statistics.fmean([x**2]) if False else x**2
        """)
    assert failed_tests(grade_notebook(nb, LAB, tmp_path)) == {}


def test_wrong_return_types_are_explained(tmp_path):
    nb = replace_function(solution_notebook(LAB), "df", "def df(x):\n    return [2 * x]")
    nb = replace_function(nb, "f", "def f(x):\n    return 'x squared'")
    results = grade_notebook(nb, LAB, tmp_path)
    failures = failed_tests(results)
    assert "df(x) is a list; return a NumPy array" in failures["bowl_functions: df(x) = 2x element-wise on random arrays"]
    assert "f(x) is str" in failures["bowl_functions: f(x) = x² element-wise on random arrays"]


@pytest.mark.skipif(os.geteuid() != 0, reason="hiding paths needs root (mount namespaces)")
def test_the_sandbox_cannot_read_the_reference_module(tmp_path):
    target = ROOT / "solutions" / "gradient_descent.py"
    nb = replace_function(solution_notebook(LAB), "f", f"""
        def f(x):
            return open({str(target)!r}).read()
        """)
    results = grade_notebook(nb, LAB, tmp_path)
    message = failed_tests(results)["bowl_functions: f(x) = x² element-wise on random arrays"]
    assert "raised" in message and ("Error" in message)
    protections = results["extra_data"]["protections"]
    assert protections["network_namespace"] and protections["private_tmp"] and protections["unprivileged_user"]
    assert str(ROOT) in protections["hidden_paths"]  # the whole repository: solutions, specs, .git


def _batch(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(solution_notebook(LAB), folder / f"ada_{LAB}.ipynb")
    nbformat.write(student_notebook(LAB), folder / f"ben_{LAB}.ipynb")
    nbformat.write(replace_function(solution_notebook(LAB), "gradient_descent", HANGS), folder / f"cy_{LAB}.ipynb")
    (folder / f"dee_{LAB}.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n not a notebook")
    (folder / "eve").mkdir()
    nbformat.write(solution_notebook(LAB), folder / "eve" / f"{LAB}.ipynb")
    (folder / "README.txt").write_text("not a submission")
    return folder


def test_a_batch_grades_everyone_despite_bad_files(tmp_path):
    folder, out = _batch(tmp_path), tmp_path / "out"
    completed = dlcv("grade", str(folder), "--out", str(out), "-j", "2", "--test-timeout", "1")
    assert completed.returncode == 3, completed.stderr  # finished, with one file not gradable
    rows = {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open())}
    assert sorted(rows) == ["ada", "ben", "cy", "dee", "eve"]
    assert rows["ada"]["total"] == rows["eve"]["total"] == rows["ada"]["max"] == "29"
    assert rows["ben"]["total"] == "0" and rows["dee"]["total"] == "0"
    assert rows["cy"][f"{LAB}:gradient_descent"] == "0" and rows["cy"]["total"] == "21"
    dee = json.loads((out / "dee" / LAB / "results.json").read_text())
    assert dee["gradable"] is False and "not a Jupyter notebook" in dee["reason"]
    assert "NOT GRADABLE" in completed.stdout and "ignored" in completed.stderr and "README.txt" in completed.stderr


def _lab1_examples(tmp_path):
    """A folder with the three Lab 1 example submissions (alice, bob, carol)."""
    folder = tmp_path / "examples"
    folder.mkdir()
    for path in (ROOT / "examples" / "submissions").glob(f"*_{LAB}.ipynb"):
        shutil.copy(path, folder / path.name)
    return folder


def test_results_follow_gradescopes_schema(tmp_path):
    out = tmp_path / "out"
    completed = dlcv("grade", str(_lab1_examples(tmp_path)), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    results = json.loads((out / "bob" / LAB / "results.json").read_text())
    assert set(results) >= {"score", "tests", "output", "visibility", "seed", "gradable"}
    assert results["score"] == sum(t["score"] for t in results["tests"]) == 23
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed")
        assert test["score"] in (0, test["max_score"])
    assert "alice" in completed.stdout and "100.0%" in completed.stdout
    feedback = (out / "bob" / LAB / "feedback.md").read_text()
    assert feedback.startswith(f"# {LAB} — 23 / 29 points") and "## gradient_descent: 5 / 8" in feedback
    assert "the verdict for lr = 1 is 'converges', which is not right" in feedback


def test_rerunning_grades_only_what_is_missing(tmp_path):
    out, examples = tmp_path / "out", _lab1_examples(tmp_path)
    assert dlcv("grade", str(examples), "--out", str(out)).returncode == 0
    first = (out / "bob" / LAB / "results.json").stat().st_mtime_ns
    (out / "carol" / LAB / "results.json").unlink()
    again = dlcv("grade", str(examples), "--out", str(out))
    assert "2 submissions already had results" in again.stderr
    assert (out / "bob" / LAB / "results.json").stat().st_mtime_ns == first
    assert (out / "carol" / LAB / "results.json").is_file()
    assert len(list(csv.DictReader((out / "gradebook.csv").open()))) == 3


def test_nbgrader_submitted_tree_is_recognised(tmp_path):
    submitted = tmp_path / "submitted" / "frank" / LAB
    submitted.mkdir(parents=True)
    nbformat.write(solution_notebook(LAB), submitted / "my_work.ipynb")
    out = tmp_path / "out"
    assert dlcv("grade", str(tmp_path / "submitted"), "--out", str(out)).returncode == 0
    assert json.loads((out / "frank" / LAB / "results.json").read_text())["score"] == 29


def test_nbgrader_notebooks_named_by_their_lab_are_told_apart_by_student(tmp_path):
    # `dlcv export nbgrader` names each assignment's notebook by the lab: submitted/<student>/<lab>/<lab>.ipynb
    for student in ("frank", "grace"):
        (tmp_path / "submitted" / student / LAB).mkdir(parents=True)
        (tmp_path / "submitted" / student / LAB / f"{LAB}.ipynb").write_text("{}")
    found, ignored = find_submissions([tmp_path / "submitted"], [LAB, "02_linear_models"])
    assert [(s.student, s.lab) for s in found] == [("frank", LAB), ("grace", LAB)] and ignored == []
    assert find_submissions([tmp_path / "submitted" / "grace" / LAB], [LAB])[0][0].student == "grace"


def test_check_command_passes_the_solution_and_explains_the_stub(tmp_path):
    solution = tmp_path / "solution.ipynb"
    nbformat.write(solution_notebook(LAB), solution)
    subprocess.run(["cp", "-r", str(ROOT / "labs" / "labkit"), str(tmp_path)], check=True)
    passed = dlcv("check", str(solution))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "6 passed, 0 failed" in passed.stdout
    stub = dlcv("check", str(ROOT / "labs" / f"{LAB}.ipynb"), "--exercise", "gradient_descent")
    assert stub.returncode == 1
    assert "gradient_descent is not implemented yet" in stub.stdout and "0 passed, 1 failed" in stub.stdout


def test_check_names_the_cell_with_a_syntax_error_and_the_exercises_that_depend_on_it(tmp_path):
    nb = solution_notebook("03_softmax")
    [cell] = [c for c in nb.cells if c.metadata.get("dlcv", {}).get("exercise") == "softmax_jacobian"]
    cell.source = cell.source.replace("def softmax_jacobian(s):", "def softmax_jacobian(s)", 1)
    path = tmp_path / "softmax.ipynb"
    nbformat.write(nb, path)
    shutil.copytree(ROOT / "labs" / "labkit", tmp_path / "labkit")
    completed = dlcv("check", str(path))
    number = nb.cells.index(cell) + 1
    lines = completed.stdout.splitlines()
    assert completed.returncode == 1
    assert lines[0] == f"\N{BALLOT X} cell {number} (exercise softmax_jacobian) has a syntax error at line 1: expected ':'"
    assert lines[1].strip() == "def softmax_jacobian(s)" and lines[2].strip() == "^"
    not_run = [line for line in lines if "not run" in line]
    assert len(not_run) == 2  # its own checks, and softmax_loss's, which call softmax_jacobian
    assert "checks of softmax_jacobian" in not_run[0] and "checks of softmax_loss" in not_run[1]
    assert "they use `softmax_jacobian`" in not_run[1] and "NameError" not in completed.stdout
    assert lines[-1] == "5 passed, 2 failed"


def test_usage_errors_and_help(tmp_path):
    text = tmp_path / "eve_03_softmax.txt"
    text.write_text("my answers\n")
    usage_errors = {("grade", "/no/such/path"): "does not exist",
                    ("grade", str(text), "--lab", "42"): "no lab '42'",
                    ("check", str(text)): "not a Jupyter notebook (it is a .txt file",
                    ("check", str(ROOT / "labs" / "03_softmax.ipynb"), "--exercise", "softmaxx"):
                        "no self-checks of an exercise 'softmaxx'; its exercises are: cross_entropy, ",
                    ("build", "--check", "--lab", "42"): "no lab '42'"}
    for args, message in usage_errors.items():
        completed = dlcv(*args)
        assert (completed.returncode, message in completed.stderr) == (2, True), (args, completed.stderr)
    own_codes = {"build": "--check found stale files", "check": "some self-check failed",
                 "grade": "some files could not be graded"}
    for command in ([], ["build"], ["check"], ["grade"]):
        completed = dlcv(*command, "--help")
        assert completed.returncode == 0 and "exit codes" in completed.stdout
        if command:
            assert own_codes[command[0]] in completed.stdout
            assert [c for c in own_codes if c != command[0] and own_codes[c] in completed.stdout] == []


def test_a_notebook_with_any_name_is_graded_for_the_lab_its_metadata_names(tmp_path):
    path = tmp_path / "my final version (2).ipynb"
    path.write_bytes((ROOT / "examples" / "submissions" / f"bob_{LAB}.ipynb").read_bytes())
    out = tmp_path / "out"
    completed = dlcv("grade", str(path), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    results = json.loads((out / "my_final_version__2_" / LAB / "results.json").read_text())
    assert results["score"] == 23


def test_a_renamed_function_gets_a_hint_but_another_exercise_is_never_suggested(tmp_path):
    nb = replace_function(solution_notebook(LAB), "gradient_descent", "def gradient_decent(df, x0, lr):\n    pass")
    nb = replace_function(nb, "chain_rule_derivative", "def chain_rule_deriv_v2(x):\n    pass")
    nb = replace_function(nb, "f_2d", "def g_2d(v):\n    pass")
    failures = failed_tests(grade_notebook(nb, LAB, tmp_path))
    gd = next(m for name, m in failures.items() if name.startswith("gradient_descent"))
    assert "did you rename it? your notebook defines `gradient_decent`" in gd
    chain = next(m for name, m in failures.items() if name.startswith("chain_rule"))
    assert "`chain_rule_derivative` is not defined" in chain and "numerical_derivative" not in chain
    f_2d = next(m for name, m in failures.items() if "f_2d on" in name)
    assert "df_2d" not in f_2d


def test_a_notebook_that_hangs_while_loading_is_given_up_at_once(tmp_path):
    nb = solution_notebook(LAB)
    nb.cells.insert(1, nbformat.v4.new_code_cell("import time\nSLOW = time.sleep(3600) if False else 0\n"
                                                 "def helper(x=time.sleep(3600)):\n    return x"))
    started = time.monotonic()
    results = grade_notebook(nb, LAB, tmp_path, limits=Limits(load_seconds=1.0))
    assert time.monotonic() - started < 10  # one load attempt, not one per test
    assert results["score"] == 0
    assert all("took over 1 s" in t["output"] and "no test could run" in t["output"] for t in results["tests"])


# ------------------------------------------------------------------ state a student function changes in place

IN_PLACE = '''
import numpy as np

def update_running_mean(x, param):
    """Batch-norm style: keeps a running mean in ``param``, updated in place, and returns the batch mean."""
    mean = x.mean(axis=0)
    param["running_mean"] = 0.9 * param.setdefault("running_mean", np.zeros(x.shape[1])) + 0.1 * mean
    param["calls"] = param.get("calls", 0) + 1
    x *= 2.0
    return mean

def leaves_a_function_behind(param):
    param["callback"] = lambda: 0
'''


@pytest.fixture
def in_place_student(tmp_path):
    from autograder.grade import runner
    from autograder.grade.extract import Program
    from autograder.sandbox import Runtime, paths_to_expose, paths_to_hide

    with Runtime(hide=paths_to_hide(tmp_path, []), expose=paths_to_expose()) as runtime:
        session = runner._Session(runtime, Limits(), Program(cells=[(1, IN_PLACE)]), namespaces=True)
        try:
            yield runner.StudentCode(session, timeout=5)
        finally:
            session.close()


def test_a_spec_reads_arguments_back_after_a_call(in_place_student):
    import numpy as np

    x, param = np.arange(6.0).reshape(3, 2), {"running_mean": np.ones(2)}
    value, (x_after, param_after), kwargs_after = in_place_student.update_running_mean.with_arguments(x, param)
    assert np.array_equal(value, [2.0, 3.0])
    assert np.allclose(param_after["running_mean"], 0.9 * np.ones(2) + 0.1 * np.array([2.0, 3.0]))
    assert param_after["calls"] == 1 and kwargs_after == {}
    assert np.array_equal(x_after, 2 * x)
    # a plain call returns the value only, and nothing of ours is changed: arguments travel as copies
    assert np.array_equal(in_place_student.update_running_mean(x, param), [2.0, 3.0])
    assert list(param) == ["running_mean"] and np.array_equal(param["running_mean"], np.ones(2))
    assert np.array_equal(x, np.arange(6.0).reshape(3, 2))
    # keyword arguments come back by name
    _, args, kwargs = in_place_student.update_running_mean.with_arguments(x, param={})
    assert args[0].shape == (3, 2) and kwargs["param"]["calls"] == 1


def test_arguments_sent_back_are_decoded_as_strictly_as_return_values(in_place_student):
    from autograder.grade import runner
    from autograder.grade.spec import Unsupported
    from autograder.worker import protocol

    _, (param,), _ = in_place_student.leaves_a_function_behind.with_arguments({})
    assert isinstance(param["callback"], Unsupported)  # an object left in an argument stays a name, never an object
    for reply in ({"args": protocol.encode([1]), "kwargs": protocol.encode({})},            # one argument too few
                  {"args": protocol.encode([1, 2]), "kwargs": protocol.encode({"z": 1})},   # a keyword not sent
                  {"args": {"__pickle__": "x"}, "kwargs": protocol.encode({})},              # not our format
                  {"kwargs": protocol.encode({})}):                                          # missing
        with pytest.raises(protocol.ProtocolError):
            runner._arguments_after(reply, 2, set())


@pytest.mark.slow
def test_every_lab_has_a_correct_a_partly_wrong_and_an_untouched_example(tmp_path):
    from autograder.course import gradable_lab_ids

    out = tmp_path / "out"
    completed = dlcv("grade", str(ROOT / "examples" / "submissions"), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    for lab in gradable_lab_ids():
        alice, bob, carol = (json.loads((out / s / lab / "results.json").read_text()) for s in ("alice", "bob", "carol"))
        full = alice["extra_data"]["max_score"]
        assert alice["score"] == full > 0 and carol["score"] == 0, lab
        assert 0 < bob["score"] < full, lab
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [r["student"] for r in rows] == ["alice", "bob", "carol"]


def test_a_batch_runs_on_any_executor_and_its_sandbox_is_set_up_where_it_grades(tmp_path, monkeypatch):
    """The shape a cluster backend needs: tasks are plain data, graded in other processes, which make their own
    worker runtime (the client makes none: here it could not)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from autograder.grade import batch
    from autograder.grade.submissions import find_submissions
    from autograder.course import gradable_lab_ids

    def no_runtime_here(*args, **kwargs):
        raise AssertionError("the client process set up a worker runtime")

    monkeypatch.setattr(batch, "Runtime", no_runtime_here)
    submissions, _ = find_submissions([_lab1_examples(tmp_path)], gradable_lab_ids())
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcome = batch.grade_batch(submissions, tmp_path / "out", executor=pool)
    assert {sub.student: results["score"] for sub, results in outcome.graded} == {"alice": 29, "bob": 23, "carol": 0}
    assert sorted(p.parent.parent.name for p in (tmp_path / "out").glob(f"*/{LAB}/results.json")) == [
        "alice", "bob", "carol"]


def test_files_that_cannot_be_graded_say_the_one_right_thing_once(tmp_path):
    folder, out = tmp_path / "subs", tmp_path / "out"
    folder.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), folder / "homework.ipynb")
    (folder / "eve_03_softmax.txt").write_text("my answers: softmax = exp / sum\n")
    whole = (ROOT / "examples" / "submissions" / "bob_02_linear_models.ipynb").read_text()
    (folder / "cut_02_linear_models.ipynb").write_text(whole[: len(whole) // 2])
    completed = dlcv("grade", str(folder), "--out", str(out))
    assert completed.returncode == 3, completed.stderr

    header = next(csv.reader((out / "gradebook.csv").open()))
    assert not [h for h in header if h.startswith("unknown_lab")] and header[-1] == "notes"
    notes = {row["student"]: row["notes"] for row in csv.DictReader((out / "gradebook.csv").open())}
    assert notes["homework"].startswith("a file of unknown lab not graded: cannot tell which lab this is")
    assert notes["eve"].startswith("03_softmax not graded: the file is not a Jupyter notebook (it is a .txt file")
    assert "JSON" not in notes["eve"].replace("notebook JSON", "")

    feedback = (out / "homework" / "unknown_lab" / "feedback.md").read_text()
    assert feedback.splitlines()[0] == "# Not graded" and "None" not in feedback and "0 / 0" not in feedback
    cut = json.loads((out / "cut" / "02_linear_models" / "results.json").read_text())
    assert "its JSON is broken" in cut["reason"] and len(cut["tests"]) > 20
    assert sum(cut["reason"] in t["output"] for t in cut["tests"]) == 0  # the reason once, not under every test
    assert (out / "cut" / "02_linear_models" / "feedback.md").read_text().count(cut["reason"]) == 1
    assert cut["reason"] in completed.stdout  # whole, not cut at a column
    assert "homework ?" in completed.stdout


def test_feedback_html_is_the_notebook_with_results_under_each_exercise_and_opens_offline(tmp_path):
    folder, out = tmp_path / "subs", tmp_path / "out"
    folder.mkdir()
    shutil.copy(ROOT / "examples" / "submissions" / f"bob_{LAB}.ipynb", folder)
    completed = dlcv("grade", str(folder), "--out", str(out), "--html")
    assert completed.returncode == 0, completed.stderr
    page = (out / "bob" / LAB / "feedback.html").read_text()
    assert "<script" not in page.lower()
    assert re.findall(r"""(?:src|href)\\s*=\\s*["']?(?:https?:)?//""", page) == []  # nothing from the network
    assert page.count("<math") > 10 and "$$" not in page  # the lectures' math as MathML
    results = json.loads((out / "bob" / LAB / "results.json").read_text())
    for name, totals in results["extra_data"]["exercises"].items():
        assert f"Exercise <code>{name}</code>: {totals['score']:g} / {totals['max_score']:g} points" in page
    assert "the verdict for lr = 1 is &#x27;converges&#x27;, which is not right" in page or \
        "the verdict for lr = 1 is 'converges', which is not right" in page
    # each exercise's results come right after the student's own code of it
    defines = '<span class="nf">{}</span>'.format
    assert page.index(defines("gradient_descent")) < page.index("Exercise <code>gradient_descent</code>:") < \
        page.index(defines("learning_rate_verdicts"))


def test_cells_that_parse_skip_ipythons_transformer_and_come_out_as_it_would_give_them():
    from IPython.core.inputtransformer2 import TransformerManager

    from autograder.grade.extract import ipython_to_python

    notebooks = [*(ROOT / "labs").glob("*.ipynb"), *(ROOT / "solutions" / "notebooks").glob("*.ipynb"),
                 *(ROOT / "examples" / "submissions").glob("*.ipynb")]
    plain = [c.source for path in notebooks for c in nbformat.read(path, as_version=4).cells
             if c.cell_type == "code" and c.source.strip()]
    assert len(plain) > 300
    for source in plain:
        assert ipython_to_python(source).rstrip("\n") == TransformerManager().transform_cell(source).rstrip("\n")
    magic = "%matplotlib inline\nfiles = !ls\nnp.mean?\ndef f():\n    return 1\n"
    assert ipython_to_python(magic) == TransformerManager().transform_cell(magic)
    assert "get_ipython().run_line_magic('matplotlib', 'inline')" in ipython_to_python(magic)


def _grading_processes():
    """The local batch's grading processes: children of the forkserver that this process started."""
    def processes():
        for entry in Path("/proc").iterdir():
            try:
                status = dict(line.split(":\t", 1) for line in (entry / "status").read_text().splitlines())
                yield int(entry.name), int(status["PPid"]), (entry / "cmdline").read_bytes()
            except (OSError, ValueError, KeyError):
                continue

    table = list(processes())
    servers = {pid for pid, ppid, cmdline in table if ppid == os.getpid() and b"forkserver" in cmdline}
    return [pid for pid, ppid, _ in table if ppid in servers]


def test_j2_grades_in_two_processes_and_a_grading_process_killed_mid_batch_loses_nothing(tmp_path):
    from autograder.grade.batch import grade_batch

    folder = tmp_path / "batch"
    folder.mkdir()
    for copy in range(4):
        for path in (ROOT / "examples" / "submissions").glob(f"*_{LAB}.ipynb"):
            shutil.copy(path, folder / f"{path.stem.split('_')[0]}{copy}_{LAB}.ipynb")
    submissions, _ = find_submissions([folder], [LAB])
    seen, killed = [], []

    def kill_one_grading_process(sub, results):
        seen.append(sub.student)
        if not killed:
            processes = _grading_processes()
            assert len(processes) == 2  # -j2: two grading processes, each with its own GIL and warm parent
            os.kill(processes[0], signal.SIGKILL)
            killed.append(processes[0])

    outcome = grade_batch(submissions, tmp_path / "out", jobs=2, progress=kill_one_grading_process)
    assert killed
    expected = {"alice": 29, "bob": 23, "carol": 0}
    assert sorted(seen) == sorted(s.student for s in submissions)  # each once: none lost, none graded twice
    assert {sub.student: results["score"] for sub, results in outcome.graded} == {
        s.student: expected[s.student[:-1]] for s in submissions}
    assert len(list((tmp_path / "out").glob(f"*/{LAB}/results.json"))) == len(submissions)


def test_every_results_json_records_the_seed_that_replays_it(tmp_path):
    """Graded or not gradable, each results.json holds the seed decided when its task was made; grading the same
    files again with ``--seed`` of that record gives the same results."""
    folder = _lab1_examples(tmp_path)
    (folder / f"dee_{LAB}.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n not a notebook")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), folder / "homework.ipynb")
    assert dlcv("grade", str(folder), "--out", str(tmp_path / "first")).returncode == 3
    first = {p.parent.parent.name: json.loads(p.read_text()) for p in (tmp_path / "first").glob("*/*/results.json")}
    assert sorted(first) == ["alice", "bob", "carol", "dee", "homework"]
    assert [s for s, r in first.items() if not r["gradable"]] == ["dee", "homework"]
    for student, results in first.items():
        assert results["seed"] == default_seed(student, results["extra_data"]["lab"]), student
        replay = tmp_path / f"replay-{student}"
        dlcv("grade", str(next(folder.glob(f"{student}*.ipynb"))), "--out", str(replay),
             "--seed", str(results["seed"]))
        [again] = [json.loads(p.read_text()) for p in replay.glob("*/*/results.json")]
        assert [again[k] for k in ("score", "tests", "seed", "gradable", "output")] == \
            [results[k] for k in ("score", "tests", "seed", "gradable", "output")], student
