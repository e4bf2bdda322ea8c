"""The generator: solution regions, stubs, notebook metadata, determinism, --check, and that nothing leaks."""

import json
import re
import shutil
import subprocess
import sys
from functools import cache

import nbformat
import pytest
from lab_tables import LAB_IDS, reference_path
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

from autograder.build import regions
from autograder.build.builder import build
from autograder.course import LABS, all_lab_ids
from autograder.project import Project
from helpers import ROOT, distinctive_spec_lines, handout_lines, secret_solution_lines

MODULE = '''import numpy as np


def double(x):
    """Twice x."""
    ### BEGIN SOLUTION
    y = 2 * x
    return y
    ### END SOLUTION


def given(x):
    return x
'''


def test_stub_keeps_signature_and_docstring_and_replaces_the_region():
    stub = regions.stub_code(regions.function_source(MODULE, "double"))
    assert stub == ('def double(x):\n    """Twice x."""\n    # YOUR CODE HERE\n    raise NotImplementedError()')
    namespace = {}
    exec(stub, namespace)
    with pytest.raises(NotImplementedError):
        namespace["double"](1)


def test_solution_drops_only_the_markers_even_after_a_final_return():
    solution = regions.solution_code(regions.function_source(MODULE, "double"))
    assert "BEGIN" not in solution and "END" not in solution
    namespace = {}
    exec(solution, namespace)
    assert namespace["double"](21) == 42


@pytest.mark.parametrize("broken, message", [
    ("    ### BEGIN SOLUTION\n    x = 1\n", "never closed"),
    ("    ### END SOLUTION\n", "without a BEGIN"),
    ("    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n", "inside another region"),
    ("    x = 1  ### END SOLUTION\n", "stand alone"),
])
def test_malformed_regions_are_reported_with_their_line(broken, message):
    with pytest.raises(regions.RegionError, match=message):
        regions.stub_code("def f():\n" + broken)


def _code_lines(nb):
    return {line.strip() for cell in nb.cells for line in cell.source.splitlines() if line.strip()}


@cache
def _student_lines():
    """Every stripped line students get (notebooks less their handouts, and labkit)."""
    student_text = set()
    for path in (ROOT / "labs").rglob("*"):
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            student_text |= _code_lines(nb) - handout_lines(nb)
        elif path.suffix == ".py":
            student_text |= {line.strip() for line in path.read_text().splitlines() if line.strip()}
    return student_text


def test_every_reference_module_is_a_labs():
    assert sorted(reference_path(lab).name for lab in LAB_IDS) == sorted(
        p.name for p in (ROOT / "solutions").glob("[a-z]*.py"))


@pytest.mark.parametrize("lab", LAB_IDS)
def test_no_solution_line_of_the_labs_reference_module_reaches_the_students(lab):
    student_text = _student_lines()
    leaked = {}
    for module in [reference_path(lab)]:
        secret = secret_solution_lines(module)
        found = secret & student_text
        if found:
            leaked[module.name] = sorted(found)
    assert leaked == {}
    assert any(regions.solution_region_lines((ROOT / "solutions" / "gradient_descent.py").read_text()))


def test_handouts_only_give_answers_of_earlier_labs():
    lab_of_module = {lab.reference: lab.id for lab in LABS}
    handouts = 0
    for lab in all_lab_ids():
        nb = nbformat.read(ROOT / "labs" / f"{lab}.ipynb", as_version=4)
        for cell in nb.cells:
            for name in cell.metadata.get("dlcv", {}).get("provided", []):
                if ":" in name:
                    handouts += 1
                    assert lab_of_module[name.split(":")[0]] < lab, f"{lab} hands out {name} of a later lab"
    assert handouts >= 1  # Lab 4 hands out Lab 3's softmax_loss


@pytest.mark.parametrize("lab", LAB_IDS)
def test_no_hidden_spec_content_reaches_the_students(lab):
    student_files = [p for p in (ROOT / "labs").rglob("*") if p.suffix in (".ipynb", ".py")]
    student_text = "\n".join(p.read_text() for p in student_files)
    for spec in [ROOT / "autograder" / "hidden" / f"{lab}.py"]:
        distinctive = distinctive_spec_lines(spec)
        assert distinctive, spec
        assert [line for line in distinctive if line in student_text] == []
    assert not re.search(r"^\s*(import|from) (autograder|solutions)\b", student_text, re.MULTILINE)


def test_every_hidden_spec_is_a_labs():
    assert sorted(p.stem for p in (ROOT / "autograder" / "hidden").glob("[0-9]*.py")) == list(LAB_IDS)


def test_labkit_imports_neither_solutions_nor_autograder():
    code = ("import sys, labkit, labkit.plotting, labkit.data, labkit.selfcheck; labkit.selfcheck.registered_checks();"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('solutions', 'autograder')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "labs", capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cells_carry_nbgrader_and_dlcv_metadata():
    nb = nbformat.read(ROOT / "labs" / "01_gradient_descent.ipynb", as_version=4)
    nbformat.validate(nb)
    grade_ids = [cell.metadata["nbgrader"]["grade_id"] for cell in nb.cells]
    assert len(grade_ids) == len(set(grade_ids))
    assert all(cell.metadata["nbgrader"]["schema_version"] == 3 for cell in nb.cells)
    exercises = [c for c in nb.cells if "exercise" in c.metadata.get("dlcv", {})]
    assert [c.metadata["dlcv"]["exercise"] for c in exercises] == [
        "bowl_functions", "numerical_derivatives", "gradient_descent", "learning_rates", "chain_rule", "nonconvex"]
    for cell in exercises:
        assert cell.metadata["nbgrader"]["solution"] is True and cell.metadata["nbgrader"]["locked"] is False
        assert "# YOUR CODE HERE" in cell.source and "raise NotImplementedError()" in cell.source
    others = [c for c in nb.cells if c not in exercises and "answer" not in c.metadata.get("dlcv", {})]
    assert all(c.metadata["nbgrader"]["locked"] for c in others)
    answer = [c for c in nb.cells if "answer" in c.metadata.get("dlcv", {})]
    assert answer[0].source == "YOUR ANSWER HERE" and answer[0].metadata["nbgrader"]["points"] == 2


def test_generated_files_are_current():
    completed = subprocess.run([sys.executable, "-m", "autograder", "build", "--check"], cwd=ROOT,
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.fixture
def project_copy(tmp_path):
    """A copy of the repository's sources, to build from without touching the checkout."""
    for folder in ("source", "solutions", "labs"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return Project(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("lab", all_lab_ids())
def test_build_is_byte_identical_when_rerun(project_copy, lab):
    outputs = [project_copy.labs / f"{lab}.ipynb", project_copy.solution_notebooks / f"{lab}.ipynb"]
    build(project_copy, [lab], force=True, progress=lambda line: None)
    first = [p.read_bytes() for p in outputs]
    build(project_copy, [lab], force=True, progress=lambda line: None)
    assert [p.read_bytes() for p in outputs] == first
    # The student notebook has no outputs: it matches the committed one byte for byte anywhere. The executed one
    # is compared between the two runs above only (its plots' bytes follow the installed matplotlib).
    assert first[0] == (ROOT / "labs" / f"{lab}.ipynb").read_bytes()
    executed = json.loads(first[1])
    assert any(o.get("output_type") == "display_data" for c in executed["cells"] for o in c.get("outputs", []))
    assert "execution" not in json.dumps([c["metadata"] for c in executed["cells"]])


def test_check_names_every_stale_file(project_copy):
    template = project_copy.source / "01_gradient_descent.py"
    template.write_text(template.read_text().replace("# # Lab 1 — Gradient descent", "# # Lab 1 — GD, edited"))
    (project_copy.labs / "labkit" / "stray.py").write_text("x = 1\n")
    completed = subprocess.run([sys.executable, "-m", "autograder", "build", "--check", "--root",
                                str(project_copy.root)], capture_output=True, text=True)
    assert completed.returncode == 1
    assert "labs/01_gradient_descent.ipynb" in completed.stdout
    assert "solutions/notebooks/01_gradient_descent.ipynb" in completed.stdout
    assert "labs/labkit/stray.py" in completed.stdout


def test_unknown_lab_is_a_usage_error():
    completed = subprocess.run([sys.executable, "-m", "autograder", "build", "--check", "--lab", "99"], cwd=ROOT,
                               capture_output=True, text=True)
    assert completed.returncode == 2 and "no lab '99'" in completed.stderr


def test_a_solution_that_fails_to_execute_leaves_its_lab_untouched(project_copy):
    template = project_copy.source / "01_gradient_descent.py"
    broken = template.read_text().replace("# %% [markdown]\n", "# %%\nraise RuntimeError('boom')\n\n# %% [markdown]\n", 1)
    template.write_text(broken)
    student = project_copy.labs / "01_gradient_descent.ipynb"
    before = student.read_bytes()
    completed = subprocess.run([sys.executable, "-m", "autograder", "build", "--lab", "1", "--root",
                                str(project_copy.root)], capture_output=True, text=True)
    assert completed.returncode == 1
    assert "RuntimeError: boom" in completed.stderr and "\x1b[" not in completed.stderr  # piped: no colour codes
    assert student.read_bytes() == before  # nothing of the lab was written
    check = subprocess.run([sys.executable, "-m", "autograder", "build", "--check", "--lab", "1", "--root",
                            str(project_copy.root)], capture_output=True, text=True)
    assert check.returncode == 1 and "labs/01_gradient_descent.ipynb" in check.stdout


# ------------------------------------------------------------------ nbgrader accepts the cell metadata (format v3)

@pytest.mark.parametrize("folder", ["labs", "solutions/notebooks"])
@pytest.mark.parametrize("lab", all_lab_ids())
def test_nbgrader_accepts_the_cell_metadata(lab, folder):
    nb = nbformat.read(ROOT / folder / f"{lab}.ipynb", as_version=4)
    MetadataValidatorV3().validate_nb(nb)  # raises ValidationError on anything nbgrader would reject
    graded = [c for c in nb.cells if c.metadata["nbgrader"]["grade"]]
    answers = [c for c in graded if c.metadata["nbgrader"]["solution"]]
    checks = [c for c in graded if not c.metadata["nbgrader"]["solution"]]
    assert all(c.cell_type == "markdown" and "answer" in c.metadata["dlcv"] for c in answers)  # graded by hand
    # autograder-test cells: the public self-checks, worth 0 here (the hidden tests give the points)
    assert checks and all(c.cell_type == "code" and c.metadata["nbgrader"]["locked"] and "check" in c.metadata["dlcv"]
                          and c.metadata["nbgrader"]["points"] == 0 for c in checks)


def test_the_validator_rejects_what_nbgrader_rejects():
    nb = nbformat.read(ROOT / "labs" / f"{all_lab_ids()[0]}.ipynb", as_version=4)
    nb.cells[0].metadata["nbgrader"]["grade"] = True  # a graded cell without points
    with pytest.raises(Exception, match="[Pp]oints"):
        MetadataValidatorV3().validate_nb(nb)
