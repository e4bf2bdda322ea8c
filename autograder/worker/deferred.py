"""Top-level imports of heavy packages become stand-ins that import the real module on first use.

A notebook's ``import matplotlib.pyplot as plt`` takes most of a second, and graded functions almost never draw.
:func:`deferred_imports` rewrites such statements (also inside top-level ``if``/``try`` blocks) of a cell's syntax
tree into assignments of :class:`_Deferred` stand-ins, so they cost nothing unless a graded function uses them.
This is about speed only; it protects nothing.
"""

import ast
import importlib

# Heavy packages that graded functions almost never use: a notebook's top-level `import matplotlib.pyplot as plt`
# binds a stand-in that imports the real module the first time it is used, so it costs nothing unless a graded
# function really draws (a plain import of pyplot takes most of a second).
DEFERRED_PACKAGES = frozenset({"matplotlib", "IPython", "tqdm", "sklearn", "scipy", "pandas", "seaborn",
                               "ipywidgets", "torch", "PIL"})


class _Deferred:
    """Stands for a module or a name imported from one until first use, then forwards everything to it."""

    __slots__ = ("_dlcv_resolve",)

    def __init__(self, resolve):
        object.__setattr__(self, "_dlcv_resolve", resolve)

    def __getattr__(self, name):
        return getattr(self._dlcv_resolve(), name)

    def __call__(self, *args, **kwargs):
        return self._dlcv_resolve()(*args, **kwargs)

    def __repr__(self):
        return repr(self._dlcv_resolve())


def _defer_module(name, aliased):
    """``import name as x`` binds ``name`` itself; ``import a.b`` binds the top package ``a``."""
    def resolve():
        module = importlib.import_module(name)
        return module if aliased else importlib.import_module(name.partition(".")[0])
    return _Deferred(resolve)


def _defer_name(module, name):
    """``from module import name``: an attribute, or a submodule not imported yet."""
    def resolve():
        parent = importlib.import_module(module)
        try:
            return getattr(parent, name)
        except AttributeError:
            return importlib.import_module(f"{module}.{name}")
    return _Deferred(resolve)


def deferred_imports(body):
    """Rewrite top-level imports of DEFERRED_PACKAGES (also inside if/try blocks) into stand-in assignments."""
    rewritten = []
    for node in body:
        if isinstance(node, ast.Import) and any(a.name.partition(".")[0] in DEFERRED_PACKAGES for a in node.names):
            for alias in node.names:
                if alias.name.partition(".")[0] in DEFERRED_PACKAGES:
                    target = alias.asname or alias.name.partition(".")[0]
                    call = ast.Call(ast.Name("__dlcv_defer_module__", ast.Load()),
                                    [ast.Constant(alias.name), ast.Constant(alias.asname is not None)], [])
                    rewritten.append(ast.copy_location(ast.Assign([ast.Name(target, ast.Store())], call), node))
                else:
                    rewritten.append(ast.copy_location(ast.Import([alias]), node))
        elif (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
              and node.module.partition(".")[0] in DEFERRED_PACKAGES and all(a.name != "*" for a in node.names)):
            for alias in node.names:
                call = ast.Call(ast.Name("__dlcv_defer_name__", ast.Load()),
                                [ast.Constant(node.module), ast.Constant(alias.name)], [])
                target = ast.Name(alias.asname or alias.name, ast.Store())
                rewritten.append(ast.copy_location(ast.Assign([target], call), node))
        else:
            for field in ("body", "orelse", "finalbody"):
                if isinstance(node, (ast.If, ast.Try)) and getattr(node, field, None):
                    setattr(node, field, deferred_imports(getattr(node, field)))
            for handler in getattr(node, "handlers", []):
                handler.body = deferred_imports(handler.body)
            rewritten.append(node)
    return rewritten




# Names the rewritten code calls; the serve loop puts them in the student's namespace.
BUILTINS = {"__dlcv_defer_module__": _defer_module, "__dlcv_defer_name__": _defer_name}
