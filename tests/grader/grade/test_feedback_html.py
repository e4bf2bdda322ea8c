"""The feedback page a student gets."""

import json
import re
import shutil

from helpers import ROOT, dlcv

LAB = "01_gradient_descent"


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
