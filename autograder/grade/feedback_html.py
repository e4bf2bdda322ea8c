"""``feedback.html``: the student's own notebook with each exercise's result and messages under it.

What nbgrader's ``generate_feedback`` hands back, made from dlcv's results. It opens offline: no script at all,
no link to a CDN, the lectures' math rendered as MathML (which browsers draw natively) instead of by MathJax.
The notebook is the student's (untrusted): raw HTML in its markdown is shown as text, only text and PNG outputs
are kept, scripts and ``javascript:`` links are removed from the page, and a notebook too large to render gets the
results alone.
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import nbformat
from latex2mathml.converter import convert as latex_to_mathml

from . import results as schema
from .results import Results, TestResult

MAX_RENDERED_BYTES = 32 * 2**20  # larger notebooks (huge outputs) get a page of results only
_KEPT_OUTPUTS = {"text/plain", "image/png"}
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)(?<!\\)\$")
_UNSAFE_LINK = re.compile(r"""\b(href|src)\s*=\s*(["']?)\s*(?:javascript|vbscript|data:text)[^"'>\s]*\2""",
                          re.IGNORECASE)
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.DOTALL | re.IGNORECASE)


def _text(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)


def _mathml(match: re.Match[str], display: bool) -> str:
    latex = html.unescape(match.group(1)).strip()
    try:
        return latex_to_mathml(latex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - math we cannot convert stays as the student wrote it
        return match.group(0)


def _render_math(page: str) -> str:
    """Replace ``$$...$$`` and ``$...$`` outside ``<pre>`` blocks (code, messages) by MathML."""
    parts = _PRE.split(page)
    for i in range(0, len(parts), 2):
        parts[i] = _DISPLAY_MATH.sub(lambda m: _mathml(m, True), parts[i])
        parts[i] = _INLINE_MATH.sub(lambda m: _mathml(m, False), parts[i])
    return "".join(parts)


def _result_cell(name: str, totals: dict[str, float], tests: list[TestResult]) -> nbformat.NotebookNode:
    mark = "✔" if totals["score"] == totals["max_score"] else "✘"
    lines = [f"**{mark} Exercise `{name}`: {totals['score']:g} / {totals['max_score']:g} points**", ""]
    for test in tests:
        description = test["name"].split(": ", 1)[-1]
        lines.append(f"- {'✔' if test['status'] == 'passed' else '✘'} {description}")
        if test["status"] != "passed" and test["output"]:
            lines += ["", "  ```", *(f"  {line}" for line in test["output"].splitlines()), "  ```"]
    cell = nbformat.v4.new_markdown_cell("\n".join(lines))
    cell.metadata["dlcv_feedback"] = name
    return cell


def _header_cell(results: Results) -> nbformat.NotebookNode:
    lab = schema.lab(results) or "submission"
    if not schema.is_gradable(results):
        text = f"# {lab} — not graded\n\n**This submission could not be graded:** {schema.reason(results)}"
    else:
        text = f"# {lab} — {schema.score(results):g} / {schema.max_score(results):g} points"
    return nbformat.v4.new_markdown_cell(text)


def _student_cells(notebook_path: Path | None) -> list[nbformat.NotebookNode]:
    """The submission's cells with only text and PNG outputs, or [] when it cannot or should not be rendered."""
    try:
        if notebook_path is None or notebook_path.stat().st_size > MAX_RENDERED_BYTES:
            return []
        nb = nbformat.read(notebook_path, as_version=4)
    except Exception:  # noqa: BLE001 - a notebook nbformat cannot read: the results page alone
        return []
    cells = []
    for cell in nb.cells:
        cell = copy.deepcopy(cell)
        if cell.get("cell_type") == "code":
            kept = []
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream":
                    kept.append(output)
                elif output.get("output_type") in ("display_data", "execute_result"):
                    data = {k: v for k, v in output.get("data", {}).items() if k in _KEPT_OUTPUTS}
                    if data:
                        kept.append(nbformat.v4.new_output("display_data", data=data))
            cell["outputs"] = kept
        elif cell.get("cell_type") == "markdown":
            cell["source"] = html.escape(_text(cell.get("source", "")), quote=False)  # raw HTML stays text
        else:
            continue
        cell.pop("attachments", None)  # images pasted into markdown: not needed to read the feedback
        cells.append(cell)
    return cells


def feedback_notebook(results: Results, notebook_path: Path | None = None) -> nbformat.NotebookNode:
    """The feedback as a notebook: a header, the student's cells, each exercise's results after its cell (results
    of exercises whose cell cannot be found come at the end)."""
    cells = [_header_cell(results)]
    exercises = schema.exercises(results)
    placed = set()
    for cell in _student_cells(notebook_path):
        cells.append(cell)
        name = cell.get("metadata", {}).get("dlcv", {}).get("exercise")
        if name in exercises and name not in placed and schema.is_gradable(results):
            cells.append(_result_cell(name, exercises[name], schema.tests_of(results, name)))
            placed.add(name)
    if schema.is_gradable(results):
        cells += [_result_cell(name, totals, schema.tests_of(results, name))
                  for name, totals in exercises.items() if name not in placed]
    return nbformat.v4.new_notebook(cells=cells, metadata={"language_info": {"name": "python"}})


def feedback_html(results: Results, notebook_path: Path | None = None) -> str:
    """``feedback.html`` of one submission: a self-contained page with no script and no network access."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input_prompt=True, exclude_output_prompt=True)
    page, _ = exporter.from_notebook_node(feedback_notebook(results, notebook_path))
    return _render_math(_UNSAFE_LINK.sub(r'\1=""', _SCRIPT.sub("", page)))
