"""`dlcv release`: exactly what students get — no solution line, no hidden test, no grader — and a self-check runner
that works on its own."""

import ast
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement

from autograder.cli import main
from autograder.export import ExportError, release
from autograder.project import Project
from helpers import ROOT, distinctive_spec_lines, handout_lines, secret_solution_lines

LABS = sorted(p.stem for p in (ROOT / "source").glob("[0-9][0-9]_*.py"))
LAB = "01_gradient_descent"
TOP_LEVEL = {"check_labs.py", "requirements.txt", "environment.yml", "README.md"}

# Importing autograder or solutions fails in every Python process started with this folder on PYTHONPATH (the
# check runner and the Jupyter kernel it starts): the release must work without them.
BLOCKER = '''
import sys
class _Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("autograder", "solutions"):
            raise ImportError(f"{name} is not part of the student release")
sys.meta_path.insert(0, _Blocked())
'''


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    assert main(["release", str(out), "--root", str(ROOT)]) == 0
    return out


def released_files(out):
    return {p.relative_to(out) for p in out.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_release_holds_exactly_the_notebooks_labkit_runner_requirements_readme_and_workflow(released):
    labkit = {Path("labkit") / p.relative_to(ROOT / "labs" / "labkit")
              for p in (ROOT / "labs" / "labkit").rglob("*.py") if "__pycache__" not in p.parts}
    expected = {Path(f"{lab}.ipynb") for lab in LABS} | labkit | {Path(n) for n in TOP_LEVEL} | {release.WORKFLOW}
    assert released_files(released) == expected
    for path in expected - {Path(n) for n in TOP_LEVEL} - {release.WORKFLOW}:  # byte copies of the build
        assert (released / path).read_bytes() == (ROOT / "labs" / path).read_bytes(), path
    assert (released / release.WORKFLOW).read_bytes() == (ROOT / "workflows" / "student.yml").read_bytes()


def test_no_solution_line_no_hidden_spec_line_and_no_grader_in_any_released_file(released):
    lines, text = set(), []
    for path in released_files(released):
        content = (released / path).read_text()
        text.append(content)
        if path.suffix == ".ipynb":
            nb = nbformat.reads(content, as_version=4)
            # Lab 4 and later hand out earlier labs' answers on purpose (`provided=`); test_build checks they are
            # only ever earlier labs' answers
            lines |= {line.strip() for cell in nb.cells for line in cell.source.splitlines()} - handout_lines(nb)
        else:
            lines |= {line.strip() for line in content.splitlines()}
    leaked = {module: sorted(secret & lines) for module, secret in _secret_lines_by_module().items() if secret & lines}
    assert leaked == {}
    assert sum(map(len, _secret_lines_by_module().values())) > 100  # the comparison has lines to compare
    joined = "\n".join(text)
    spec_lines = {spec.name: distinctive_spec_lines(spec)
                  for spec in sorted((ROOT / "autograder" / "hidden").glob("[0-9]*.py"))}
    assert len(spec_lines) == len(LABS) and all(spec_lines.values())
    assert {spec: [line for line in found if line in joined] for spec, found in spec_lines.items()} == {
        spec: [] for spec in spec_lines}
    assert not re.search(r"^\s*(import|from) (autograder|solutions)\b", joined, re.MULTILINE)
    assert not [p for p in released.rglob("*") if p.name in ("autograder", "solutions", "hidden")]


def test_requirements_cover_every_import_of_the_notebooks_labkit_and_runner(released):
    modules = set()
    for path in released_files(released):
        if path.suffix == ".ipynb":
            sources = [c.source for c in nbformat.read(released / path, as_version=4).cells if c.cell_type == "code"]
        elif path.suffix == ".py":
            sources = [(released / path).read_text()]
        else:
            continue
        for source in sources:
            for node in ast.walk(ast.parse("\n".join(l for l in source.splitlines() if not l.startswith(("%", "!"))))):
                if isinstance(node, ast.Import):
                    modules |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    modules.add(node.module.split(".")[0])
    third_party = modules - set(sys.stdlib_module_names) - {"labkit", "IPython"}  # IPython comes with ipykernel
    distributions = metadata.packages_distributions()
    needed = {distributions[m][0].lower() for m in third_party}
    required = {Requirement(line).name for line in (released / "requirements.txt").read_text().splitlines()}
    assert needed <= required, needed - required
    assert {"jupyterlab", "ipykernel"} <= required  # to open the notebooks and run them
    conda = (released / "environment.yml").read_text()
    assert all(f"  - {line}\n" in conda for line in (released / "requirements.txt").read_text().splitlines())


def test_readme_says_how_to_install_open_and_check(released):
    text = (released / "README.md").read_text()
    for command in ("pip install -r requirements.txt", "conda env create -f environment.yml", "jupyter lab",
                    "python check_labs.py"):
        assert command in text
    assert all(f"`{lab}.ipynb`" in text for lab in LABS)


def run_check_labs(folder, *notebooks):
    blocker = folder / "_blocker"
    blocker.mkdir(exist_ok=True)
    (blocker / "sitecustomize.py").write_text(BLOCKER)
    env = dict(os.environ, PYTHONPATH=str(blocker))
    return subprocess.run([sys.executable, "check_labs.py", *notebooks], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)


def test_check_runner_fails_a_stub_and_passes_a_solution_without_the_grader(released, tmp_path):
    student = tmp_path / "student"
    shutil.copytree(released, student)
    stub = run_check_labs(student, f"{LAB}.ipynb")
    assert stub.returncode == 1, stub.stderr
    functions = [line for line in stub.stdout.splitlines() if "is not implemented yet" in line]
    assert stub.stdout.startswith(f"{LAB}.ipynb: 0 of {len(functions)} self-checks pass") and len(functions) >= 5

    shutil.copy(ROOT / "solutions" / "notebooks" / f"{LAB}.ipynb", student / f"{LAB}.ipynb")
    solved = run_check_labs(student, f"{LAB}.ipynb")
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert solved.stdout.strip() == f"{LAB}.ipynb: {len(functions)} of {len(functions)} self-checks pass"


def test_check_runner_imports_only_nbformat_nbclient_and_the_standard_library(released):
    tree = ast.parse((released / "check_labs.py").read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported - set(sys.stdlib_module_names) == {"nbformat", "nbclient"}


def test_a_broken_notebook_fails_the_check_run_with_its_reason(released, tmp_path):
    student = tmp_path / "student"
    shutil.copytree(released, student)
    (student / f"{LAB}.ipynb").write_text('{"cells": [')
    completed = run_check_labs(student, f"{LAB}.ipynb")
    assert completed.returncode == 1
    assert completed.stdout.startswith(f"{LAB}.ipynb: could not be read")


def test_release_of_one_lab_and_a_rerun_over_it(tmp_path):
    assert main(["release", str(tmp_path), "--lab", "2", "--root", str(ROOT)]) == 0
    assert main(["release", str(tmp_path), "--lab", "1", "--root", str(ROOT)]) == 0  # over an earlier release
    notebooks = sorted(p.name for p in tmp_path.glob("*.ipynb"))
    assert notebooks == ["01_gradient_descent.ipynb", "02_linear_models.ipynb"]
    assert "`02_linear_models.ipynb`" not in (tmp_path / "README.md").read_text()


def test_a_folder_with_other_files_is_refused_and_left_alone(tmp_path, capsys):
    (tmp_path / "grades.csv").write_text("alice,29\n")
    assert main(["release", str(tmp_path), "--lab", "1", "--root", str(ROOT)]) == 1
    assert "holds files that are not part of a release (grades.csv)" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]


def test_a_stale_student_notebook_is_refused(tmp_path):
    project = tmp_path / "course"
    for name in ("source", "solutions", "labs", "workflows"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", project)
    notebook = project / "labs" / f"{LAB}.ipynb"
    notebook.write_text(notebook.read_text().replace("YOUR CODE HERE", "YOUR CODE HER"))
    with pytest.raises(ExportError, match=r"labs/01_gradient_descent.ipynb is missing or stale; .* run `dlcv build --lab 01`"):
        release.export(Project(project), tmp_path / "out", [LAB])
    assert not (tmp_path / "out").exists()


def _secret_lines_by_module():
    """Reference module file name -> its secret solution lines."""
    return {module.name: secret_solution_lines(module) for module in sorted((ROOT / "solutions").glob("[a-z]*.py"))}
