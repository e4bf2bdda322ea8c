"""The house rules that tools check: ruff's lint rules hold, the trusted side's public functions are annotated, and mypy
agrees with them.

The packages checked are the ones ``[tool.mypy] files`` in pyproject.toml lists (the catalogue, project.py, grade/,
sandbox/, export/ and the CLI); ``autograder/worker/`` runs inside the sandbox and the hidden specs are loaded from
their files, so neither is annotated.
"""

import ast
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
MYPY_SECONDS = 60  # the whole check, from a cold cache, on a 2-core VM: well under this


def _checked_files():
    """Every Python file of the paths ``[tool.mypy] files`` lists, project-relative."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    files = []
    for entry in config["tool"]["mypy"]["files"]:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [f.relative_to(ROOT) for f in files if "__pycache__" not in f.parts]


def _public_functions(tree):
    """(qualified name, node) of every public function and method of a module: a name without a leading underscore
    (or ``__init__``), at module level or in a public class; functions nested in functions are private."""
    def walk(node, prefix, public):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.", public and not child.name.startswith("_"))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if public and (not child.name.startswith("_") or child.name == "__init__"):
                    yield f"{prefix}{child.name}", child, bool(prefix)

    yield from walk(tree, "", True)


def _missing_annotations(node, is_method):
    """The parameters of ``node`` without an annotation (``self``/``cls`` of a method excepted), and ``return``."""
    args = node.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a)]
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
    if is_method and not static and params and params[0].arg in ("self", "cls"):
        params = params[1:]
    missing = [f"parameter {p.arg!r}" for p in params if p.annotation is None]
    return missing + (["the return"] if node.returns is None else [])


def test_every_public_function_of_the_checked_packages_is_annotated():
    """Does every public function and method say the type of each parameter and of what it returns?"""
    unannotated, count = [], 0
    for relative in _checked_files():
        tree = ast.parse((ROOT / relative).read_text(encoding="utf-8"), filename=str(relative))
        for name, node, is_method in _public_functions(tree):
            count += 1
            missing = _missing_annotations(node, is_method)
            if missing:
                unannotated.append(f"{relative}:{node.lineno} {name}: no annotation for {', '.join(missing)}")
    assert count > 100, f"only {count} public functions found: is [tool.mypy] files in pyproject.toml right?"
    assert not unannotated, "public functions without annotations (add them; mypy then checks them):\n" + \
        "\n".join(unannotated)


def test_mypy_finds_no_error():
    """Does mypy, as pyproject.toml configures it (the packages above), accept the code?"""
    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True,
                               timeout=10 * MYPY_SECONDS)
    seconds = time.monotonic() - started
    assert completed.returncode == 0, f"mypy found errors:\n{completed.stdout}{completed.stderr}"
    assert seconds < MYPY_SECONDS, f"mypy took {seconds:.0f} s (at most {MYPY_SECONDS} s)"


def test_ruff_finds_nothing():
    """The lint rules of pyproject.toml ([tool.ruff]) hold over the whole repository."""
    completed = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
