"""The GitHub CI workflows (workflows/): each `run:` step runs here as written — the student workflow in a copy of the
release, the staff workflow in a staff repository with example submissions."""

import csv
import glob
import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from autograder.cli import main
from helpers import ROOT

WORKFLOWS = ROOT / "workflows"
LAB = "01_gradient_descent"
# Steps that cannot run here: GitHub's own actions (the runner's checkout, Python and artifact store).
SKIPPED_ACTIONS = {"actions/checkout@v4", "actions/setup-python@v5", "actions/upload-artifact@v4"}


def workflow(name):
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    return data, triggers, next(iter(data["jobs"].values()))["steps"]


def run_step(command, cwd):
    """A `run:` step as GitHub runs it (bash -e), with this test suite's interpreter as the job's Python."""
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    return subprocess.run(["bash", "-e", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def assert_installed(requirements):
    """Every requirement is met by this environment, which stands in for the workflow's pip install."""
    for requirement in map(Requirement, requirements):
        assert requirement.specifier.contains(metadata.version(requirement.name), prereleases=True), requirement


def assert_actions_are_the_expected_ones(steps):
    uses = [step["uses"] for step in steps if "uses" in step]
    assert set(uses) <= SKIPPED_ACTIONS and uses[:2] == ["actions/checkout@v4", "actions/setup-python@v5"]
    assert steps[1]["with"]["python-version"] == "3.11"


def test_student_workflow_runs_the_self_checks_of_the_release(tmp_path):
    data, triggers, steps = workflow("student.yml")
    assert "push" in triggers
    assert_actions_are_the_expected_ones(steps)
    repo = tmp_path / "student-repo"
    assert main(["release", str(repo), "--lab", "1", "--root", str(ROOT)]) == 0
    runs = [step for step in steps if "run" in step]
    assert [step["run"] for step in runs] == ["python -m pip install -r requirements.txt", "python check_labs.py"]

    # pip install -r requirements.txt: replaced by this environment, which must meet every line of the file
    assert_installed((repo / "requirements.txt").read_text().splitlines())
    check = runs[1]["run"]
    stub = run_step(check, repo)
    assert stub.returncode == 1 and f"{LAB}.ipynb: 0 of 6 self-checks pass" in stub.stdout  # red until done
    shutil.copy(ROOT / "solutions" / "notebooks" / f"{LAB}.ipynb", repo / f"{LAB}.ipynb")
    solved = run_step(check, repo)
    assert solved.returncode == 0 and solved.stdout.strip() == f"{LAB}.ipynb: 6 of 6 self-checks pass"


def test_student_workflow_holds_no_hidden_material():
    text = (WORKFLOWS / "student.yml").read_text()
    assert not [word for word in ("autograder", "solutions", "hidden/", "dlcv grade", "secrets.") if word in text]


@pytest.fixture
def staff_repo(tmp_path):
    """A staff repository's working folder: a few example submissions under submissions/ (dlcv-labs itself is the
    editable install of this checkout, which stands in for the workflow's `pip install -e .`)."""
    repo = tmp_path / "staff-repo"
    (repo / "submissions").mkdir(parents=True)
    for student in ("alice", "bob", "carol"):
        shutil.copy(ROOT / "examples" / "submissions" / f"{student}_{LAB}.ipynb", repo / "submissions")
    return repo


def test_staff_workflow_grades_submissions_and_uploads_gradebook_and_results(staff_repo):
    data, triggers, steps = workflow("staff.yml")
    assert "workflow_dispatch" in triggers and triggers["push"]["paths"] == ["submissions/**"]
    assert_actions_are_the_expected_ones(steps)
    runs = [step["run"] for step in steps if "run" in step]
    assert runs == ["python -m pip install -e .", 'sudo "$(command -v dlcv)" grade submissions/ --out grading',
                    'sudo chown -R "$(id -u):$(id -g)" grading']
    # pip install -e .: replaced by this checkout's editable install of dlcv-labs
    assert Path(metadata.distribution("dlcv-labs").locate_file("")).exists()
    for command in runs[1:]:
        if shutil.which("sudo") is None:
            if os.geteuid() != 0:
                pytest.skip("neither sudo nor root here: the grade step needs one of them")
            command = command.replace("sudo ", "", 1)  # already root, as the step makes the grader on GitHub
        completed = run_step(command, staff_repo)
        assert completed.returncode == 0, completed.stdout + completed.stderr

    uploads = [step for step in steps if step.get("uses") == "actions/upload-artifact@v4"]
    assert [step["with"]["name"] for step in uploads] == ["gradebook", "results"]
    assert all(step["if"] == "always()" and step["with"]["if-no-files-found"] == "error" for step in uploads)
    uploaded = {path for step in uploads for pattern in step["with"]["path"].split()
                for path in glob.glob(pattern, root_dir=staff_repo, recursive=True)}
    results = {student: json.loads((staff_repo / "grading" / student / LAB / "results.json").read_text())
               for student in ("alice", "bob", "carol")}
    assert uploaded == {"grading/gradebook.csv"} | {f"grading/{s}/{LAB}/{name}" for s in results
                                                    for name in ("results.json", "feedback.md")}
    with open(staff_repo / "grading" / "gradebook.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert sorted(rows) == ["alice", "bob", "carol"]
    max_score = results["alice"]["extra_data"]["max_score"]
    assert results["alice"]["score"] == max_score > results["bob"]["score"] > results["carol"]["score"] == 0
    # graded as root, the sandbox had its namespaces (no network, the repository hidden) and a private user id
    assert all(r["extra_data"]["protections"].get("network_namespace") for r in results.values())
    assert all(r["extra_data"]["protections"].get("unprivileged_user") for r in results.values())
    for student, result in results.items():
        scores = [float(rows[student][f"{LAB}:{name}"]) for name in result["extra_data"]["exercises"]]
        assert scores == [e["score"] for e in result["extra_data"]["exercises"].values()]
