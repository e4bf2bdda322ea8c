"""Find the solution regions of the reference module and turn its functions into student stubs.

A solution region is the block between a ``### BEGIN SOLUTION`` and a ``### END SOLUTION`` comment line inside a
function body. The solution keeps the block (without the marker lines); the stub replaces it by::

    # YOUR CODE HERE
    raise NotImplementedError()
"""

import ast
import re

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_MARKER = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>### (?:BEGIN|END) SOLUTION)[ \t]*$")


class RegionError(ValueError):
    """A reference module's solution markers are unbalanced, nested or misplaced."""


def _regions(lines, where):
    """Yield (begin_index, end_index, indent) for each region in ``lines``; indices point at the marker lines."""
    begin = None
    for number, line in enumerate(lines):
        match = _MARKER.match(line)
        if not match:
            if BEGIN in line or END in line:
                raise RegionError(f"{where}, line {number + 1}: a solution marker must stand alone on its line")
            continue
        if match["marker"] == BEGIN:
            if begin is not None:
                raise RegionError(f"{where}, line {number + 1}: BEGIN SOLUTION inside another region")
            begin, indent = number, match["indent"]
        else:
            if begin is None:
                raise RegionError(f"{where}, line {number + 1}: END SOLUTION without a BEGIN SOLUTION")
            yield begin, number, indent
            begin = None
    if begin is not None:
        raise RegionError(f"{where}, line {begin + 1}: BEGIN SOLUTION is never closed")


def solution_code(source, where="<source>"):
    """The source with the marker lines removed: the full solution."""
    lines = source.splitlines()
    markers = {i for begin, end, _ in _regions(lines, where) for i in (begin, end)}
    return "\n".join(line for i, line in enumerate(lines) if i not in markers)


def stub_code(source, where="<source>"):
    """The source with every region replaced by ``# YOUR CODE HERE`` / ``raise NotImplementedError()``."""
    lines = source.splitlines()
    out, position = [], 0
    for begin, end, indent in _regions(lines, where):
        out.extend(lines[position:begin])
        out.append(f"{indent}# YOUR CODE HERE")
        out.append(f"{indent}raise NotImplementedError()")
        position = end + 1
    out.extend(lines[position:])
    return "\n".join(out)


def rewrite_regions(source, rewrite, where="<source>"):
    """The source with every region (marker lines included) replaced by ``rewrite(indent, lines)``.

    ``lines`` are the region's lines without the markers; ``rewrite`` returns the lines that take the region's
    place (an exporter uses it to write another tool's solution markers).
    """
    lines = source.splitlines()
    out, position = [], 0
    for begin, end, indent in _regions(lines, where):
        out.extend(lines[position:begin])
        out.extend(rewrite(indent, lines[begin + 1:end]))
        position = end + 1
    out.extend(lines[position:])
    return "\n".join(out)


def solution_region_lines(source, where="<source>"):
    """The lines inside all regions of ``source`` (markers excluded), for leak checks."""
    lines = source.splitlines()
    return [line for begin, end, _ in _regions(lines, where) for line in lines[begin + 1:end]]


def function_source(module_source, name, where="<module>"):
    """The source of the top-level function or class ``name``, decorators included, markers kept.

    Raises
    ------
    KeyError
        When the module defines no top-level function or class of that name.
    """
    tree = ast.parse(module_source)
    lines = module_source.splitlines()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            last = node.end_lineno
            # Python's span of a function stops at its last statement; a trailing `### END SOLUTION`
            # comment (after a final `return`) still belongs to the body when indented deeper than `def`.
            indent = len(lines[node.lineno - 1]) - len(lines[node.lineno - 1].lstrip())
            for number in range(last, len(lines)):
                stripped = lines[number].strip()
                deeper = len(lines[number]) - len(lines[number].lstrip()) > indent
                if stripped and not (stripped.startswith("#") and deeper):
                    break
                if stripped:
                    last = number + 1
            return "\n".join(lines[first - 1:last])
    raise KeyError(f"{where} defines no top-level function or class named {name!r}")
