"""Read a submitted notebook (untrusted data) and pick out the code the grader needs.

Only definitions matter for grading: functions, classes, imports and constants made of literals. Top-level
training loops and plots are left out, so a notebook that trains for an hour still grades in a second. A fair
human grader credits a function wherever it was written, so every code cell is searched, in notebook order
(a later definition replaces an earlier one, as when the notebook runs top to bottom).
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_NOTEBOOK_BYTES = 512 * 2**20


class NotGradable(ValueError):
    """The file cannot be graded; the message tells the student why and what to do."""


@dataclass(frozen=True)
class CodeCell:
    """A code cell of a submitted notebook: its position (from 0), its source, and its ``metadata.dlcv``."""

    index: int
    source: str
    dlcv: dict[str, Any]


@dataclass
class Program:
    """The definitions of a notebook, ready to be executed in the sandbox."""

    cells: list[tuple[int, str]] = field(default_factory=list)     # [(cell number, source with original line numbers)]
    problems: list[str] = field(default_factory=list)  # messages about cells that could not be used
    metadata: dict[str, Any] = field(default_factory=dict)  # the notebook's metadata.dlcv, if any (untrusted)


def _source_text(source: object) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    raise NotGradable("a code cell's source is neither text nor a list of lines")


def require_notebook_size(size: int, max_bytes: int = MAX_NOTEBOOK_BYTES) -> None:
    """Raise :class:`NotGradable` when a file of ``size`` bytes is empty or too big to be read as a notebook."""
    if size == 0:
        raise NotGradable("the file is empty; save the notebook in JupyterLab (File → Save) and submit it again")
    if size > max_bytes:
        raise NotGradable(
            f"the file is {size / 2**20:.0f} MiB, over the {max_bytes / 2**20:.0f} MiB limit; clear the outputs "
            "(Edit → Clear Outputs of All Cells), save and submit again"
        )


def read_notebook(path: Path, max_bytes: int = MAX_NOTEBOOK_BYTES) -> tuple[list[CodeCell], dict[str, Any], list[str]]:
    """Parse ``path`` as a Jupyter notebook and return ``(code cells, the notebook's metadata.dlcv, problems)``.

    ``code cells`` is a list of :class:`CodeCell`; ``problems`` says which damaged cells were skipped.

    Accepts nbformat 4 and the older nbformat 3 (worksheets). Raises :class:`NotGradable` with a student-facing
    reason for anything else.
    """
    require_notebook_size(path.stat().st_size, max_bytes)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark some editors add is not an error
    except UnicodeDecodeError:
        raise NotGradable(_not_a_notebook("it is not even text")) from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as error:
        if path.suffix.lower() != ".ipynb":  # a .txt or .py file named like a submission is no broken notebook
            kind = f"a {path.suffix} file" if path.suffix else "a file without the .ipynb extension"
            raise NotGradable(_not_a_notebook(f"it is {kind} and not notebook JSON")) from None
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
    code_cells, problems = [], []
    for number, cell in enumerate(cells):
        if isinstance(cell, dict) and cell.get(kind) == "code":
            try:
                code_cells.append(CodeCell(number, _source_text(cell.get(key, "")), _dlcv_metadata(cell)))
            except NotGradable as error:  # one damaged cell costs only what it defines
                problems.append(f"code cell {number + 1} was skipped: {error}")
    return code_cells, _dlcv_metadata(nb), problems


def _dlcv_metadata(node: Any) -> dict[str, Any]:
    """``node["metadata"]["dlcv"]`` of a notebook or cell, or {} where it is missing or not a dict (untrusted)."""
    metadata = node.get("metadata") if isinstance(node.get("metadata"), dict) else {}
    # a dict where it is returned (mypy does not narrow a call's result)
    return metadata.get("dlcv") if isinstance(metadata.get("dlcv"), dict) else {}  # type: ignore[return-value]


def _not_a_notebook(why: str) -> str:
    return f"the file is not a Jupyter notebook ({why}); submit the .ipynb file you worked in"


def ipython_to_python(source: str) -> str:
    """Turn IPython-only syntax (``%magic``, ``!shell``, ``x?``) into plain Python, as the kernel would."""
    try:  # every such syntax is a syntax error in Python: a cell that parses is returned as IPython would return it
        ast.parse(source)
        return source  # (a parse costs a tenth of IPython's token transforms; most cells are plain Python)
    except (SyntaxError, ValueError):
        pass
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # without IPython, drop the lines that only IPython understands
        return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    return TransformerManager().transform_cell(source)


# Calls allowed in a kept assignment: cheap, side-effect-free builders of constants. A call of anything else (a
# training loop, a plot) makes the statement a computation, which grading does not need.
_SAFE_CALL_ROOTS = frozenset({"np", "numpy", "math"})
_SAFE_BUILTINS = frozenset({"abs", "bool", "complex", "dict", "float", "frozenset", "int", "len", "list", "max",
                            "min", "range", "round", "set", "sorted", "str", "sum", "tuple", "zip"})
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


def _call_root(func: ast.expr) -> str | None:
    while isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else None


def _is_cheap(expr: ast.AST) -> bool:
    """Whether evaluating ``expr`` only builds a constant: every call is NumPy's, math's or a simple builtin's."""
    pending = [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Lambda):
            continue  # its body runs only when called
        if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                if func.id not in _SAFE_BUILTINS:
                    return False
            elif _call_root(func) not in _SAFE_CALL_ROOTS:
                return False
        pending.extend(ast.iter_child_nodes(node))
    return True


def _is_name_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    return isinstance(target, (ast.Tuple, ast.List)) and all(_is_name_target(t) for t in target.elts)


def _is_definition(node: ast.stmt) -> bool:
    """Definitions, imports, and assignments of cheap values to plain names (constants, aliases, lambdas)."""
    if isinstance(node, _DEFINITIONS):
        return True
    if isinstance(node, ast.Assign):
        return all(_is_name_target(t) for t in node.targets) and _is_cheap(node.value)
    if isinstance(node, ast.AnnAssign):
        return node.value is not None and _is_name_target(node.target) and _is_cheap(node.value)
    return False


def _filtered_body(body: list[ast.stmt]) -> list[ast.stmt]:
    """The definitions inside a compound statement's block, recursively; ``[ast.Pass()]`` if none."""
    kept = []
    for node in body:
        if _is_definition(node):
            kept.append(node)
        else:
            inner = _filtered_compound(node)
            if inner is not None:
                kept.append(inner)
    return kept


def _filtered_compound(node: ast.stmt) -> ast.stmt | None:
    """An ``if`` / ``try`` / ``with`` that holds definitions, reduced to them; None if it holds none (or its
    condition is a computation)."""
    if isinstance(node, ast.If) and _is_cheap(node.test):
        body, orelse = _filtered_body(node.body), _filtered_body(node.orelse)
        if body or orelse:
            return ast.If(test=node.test, body=body or [ast.Pass()], orelse=orelse)
    elif isinstance(node, ast.Try):
        body = _filtered_body(node.body)
        handlers = [ast.ExceptHandler(type=h.type, name=h.name, body=_filtered_body(h.body) or [ast.Pass()])
                    for h in node.handlers]
        orelse, final = _filtered_body(node.orelse), _filtered_body(node.finalbody)
        if body or orelse or final or any(not isinstance(h.body[0], ast.Pass) for h in handlers):
            return ast.Try(body=body or [ast.Pass()], handlers=handlers, orelse=orelse, finalbody=final)
    return None


def definitions_only(source: str) -> str:
    """Keep the top-level definitions of ``source``, blanking other lines so line numbers stay the same.

    Definitions inside a top-level ``if`` or ``try`` (e.g. a function defined in a guarded block) are kept too,
    rewritten to hold only their definitions; they start on their original line.

    Raises
    ------
    SyntaxError
        When the cell does not parse.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    keep = [""] * len(lines)
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if _is_definition(node):
            keep[first - 1:node.end_lineno] = lines[first - 1:node.end_lineno]
            continue
        reduced = _filtered_compound(node)
        if reduced is not None:
            text = [line for line in ast.unparse(ast.fix_missing_locations(reduced)).splitlines() if line.strip()]
            span = node.end_lineno - first + 1
            keep[first - 1:node.end_lineno] = text[:span - 1] + ["\n".join(text[span - 1:])] if len(text) > span \
                else text + [""] * (span - len(text))
    return "\n".join(keep)


def program_from_notebook(path: Path, max_bytes: int = MAX_NOTEBOOK_BYTES) -> Program:
    """The :class:`Program` of the notebook at ``path``.

    Raises
    ------
    NotGradable
        When the file is not a notebook we can read.
    """
    cells, dlcv, problems = read_notebook(path, max_bytes)
    program = Program(metadata=dlcv, problems=problems)
    for cell in cells:
        number = cell.index
        try:
            python = ipython_to_python(cell.source)
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
