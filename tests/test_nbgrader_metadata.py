"""The generated notebooks' cell metadata passes real nbgrader's own schema validation (format v3)."""

import nbformat
import pytest
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

from autograder.course import all_lab_ids
from helpers import ROOT

LABS = all_lab_ids()


@pytest.mark.parametrize("folder", ["labs", "solutions/notebooks"])
@pytest.mark.parametrize("lab", LABS)
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
    nb = nbformat.read(ROOT / "labs" / f"{LABS[0]}.ipynb", as_version=4)
    nb.cells[0].metadata["nbgrader"]["grade"] = True  # a graded cell without points
    with pytest.raises(Exception, match="[Pp]oints"):
        MetadataValidatorV3().validate_nb(nb)
