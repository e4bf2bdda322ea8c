"""Read a submitted notebook (untrusted data) and pick out the code the grader needs.

Only definitions matter for grading: functions, classes, imports and constants made of literals. Top-level
training loops and plots are left out, so a notebook that trains for an hour still grades in a second. A fair
human grader credits a function wherever it was written, so every code cell is searched, in notebook order
(a later definition replaces an earlier one, as when the notebook runs top to bottom).
"""

import ast
import json
from dataclasses import dataclass, field

MAX_NOTEBOOK_BYTES = 512 * 2**20


class NotGradable(ValueError):
    """The file cannot be graded; the message tells the student why and what to do."""


@dataclass
class Program:
    """The definitions of a notebook, ready to be executed in the sandbox."""

    cells: list = field(default_factory=list)     # [(cell number, source with original line numbers)]
    problems: list = field(default_factory=list)  # messages about cells that could not be used
    metadata: dict = field(default_factory=dict)  # the notebook's metadata.dlcv, if any (untrusted)


def _source_text(source):
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    raise NotGradable("a code cell's source is neither text nor a list of lines")


def read_notebook(path, max_bytes=MAX_NOTEBOOK_BYTES):
    """Parse ``path`` as a Jupyter notebook and return ``(code cell sources, metadata)``.

    Accepts nbformat 4 and the older nbformat 3 (worksheets). Raises :class:`NotGradable` with a student-facing
    reason for anything else.
    """
    size = path.stat().st_size
    if size == 0:
        raise NotGradable("the file is empty; save the notebook in JupyterLab (File → Save) and submit it again")
    if size > max_bytes:
        raise NotGradable(
            f"the file is {size / 2**20:.0f} MiB, over the {max_bytes / 2**20:.0f} MiB limit; clear the outputs "
            "(Edit → Clear Outputs of All Cells), save and submit again"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NotGradable("the file is not a Jupyter notebook (it is not even text); submit the .ipynb file") from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotGradable(
            f"the file is not a readable notebook: its JSON is broken at line {error.lineno}, column {error.colno}"
            " (was it cut off or edited by hand?); download it again from JupyterLab and resubmit"
        ) from None
    if not isinstance(nb, dict):
        raise NotGradable("the file is JSON but not a Jupyter notebook")
    version = nb.get("nbformat")
    if version == 4 or (version is None and isinstance(nb.get("cells"), list)):
        cells = nb.get("cells")
        kind, key = "cell_type", "source"
    elif version == 3:
        cells = [c for ws in nb.get("worksheets") or [] if isinstance(ws, dict) for c in ws.get("cells") or []]
        kind, key = "cell_type", "input"
    else:
        raise NotGradable(f"the file is JSON but not a Jupyter notebook of a known format (nbformat {version!r})")
    if not isinstance(cells, list):
        raise NotGradable("the notebook has no list of cells")
    sources = []
    for number, cell in enumerate(cells):
        if isinstance(cell, dict) and cell.get(kind) == "code":
            sources.append((number, _source_text(cell.get(key, ""))))
    metadata = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    dlcv = metadata.get("dlcv") if isinstance(metadata.get("dlcv"), dict) else {}
    return sources, dlcv


def _ipython_to_python(source):
    """Turn IPython-only syntax (``%magic``, ``!shell``, ``x?``) into plain Python, as the kernel would."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # without IPython, drop the lines that only IPython understands
        return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    return TransformerManager().transform_cell(source)


def _is_definition(node):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if all(isinstance(t, ast.Name) for t in targets):
            try:
                ast.literal_eval(node.value)
                return True
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return False
    return False


def definitions_only(source):
    """Keep the top-level definitions of ``source``, blanking other lines so line numbers stay the same.

    Raises
    ------
    SyntaxError
        When the cell does not parse.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    keep = [""] * len(lines)
    for node in tree.body:
        if _is_definition(node):
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            keep[first - 1:node.end_lineno] = lines[first - 1:node.end_lineno]
    return "\n".join(keep)


def program_from_notebook(path, max_bytes=MAX_NOTEBOOK_BYTES):
    """The :class:`Program` of the notebook at ``path``.

    Raises
    ------
    NotGradable
        When the file is not a notebook we can read.
    """
    sources, dlcv = read_notebook(path, max_bytes)
    program = Program(metadata=dlcv)
    for number, source in sources:
        try:
            python = _ipython_to_python(source)
            kept = definitions_only(python)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            line = getattr(error, "lineno", None)
            at = f" at line {line}" if line else ""
            program.problems.append(f"code cell {number + 1} has a syntax error{at} and was skipped: "
                                    f"{getattr(error, 'msg', error)}")
            continue
        if kept.strip():
            program.cells.append((number + 1, kept))  # cells are numbered from 1 for students
    return program
