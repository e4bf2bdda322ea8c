"""What of a notebook the grader runs: definitions kept, top-level work dropped, cells that do not parse."""

import nbformat

from autograder.grade.extract import definitions_only, program_from_notebook
from helpers import ROOT, grade_notebook, solution_notebook

LAB = "01_gradient_descent"


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
