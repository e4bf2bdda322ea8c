"""The course catalogue: every lab of the course, one :class:`Lab` record each, and the facts derived from it.

This is the only module that knows which labs exist, where each one's files are, how its hidden spec is loaded
and what its exercises are worth, which ``labkit`` files students get, and which files a staff-only source bundle
carries. Adding a lab starts with a new entry in :data:`LABS` (the docs' "Adding a lab" lists the rest).

A lab has one name, its **id** (``04_backprop``): the number, then the name. Its **topic** (``layers``) names the
reference module ``solutions/<topic>.py`` and the public self-check module ``labkit/public/<topic>.py``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .project import Project, ProjectError

if TYPE_CHECKING:
    from .grade.spec import Spec

PACKAGE_DIR = Path(__file__).resolve().parent
HIDDEN_DIR = PACKAGE_DIR / "hidden"


@dataclass(frozen=True)
class Lab:
    """One lab of the course.

    Attributes
    ----------
    number : int
        1, 2, ...; the id's first two digits.
    name : str
        The id's second part, e.g. ``"backprop"``.
    title : str
        What the notebook and the student release call the lab, e.g. ``"Lab 4 — Backpropagation"``.
    topic : str
        The reference module's name, e.g. ``"layers"`` for ``solutions/layers.py``.
    """

    number: int
    name: str
    title: str
    topic: str

    @property
    def id(self) -> str:
        """``NN_name``, e.g. ``"04_backprop"``: file names, ``--lab``, results and the gradebook use it."""
        return f"{self.number:02d}_{self.name}"

    @property
    def reference(self) -> str:
        """The reference module's dotted name, e.g. ``"solutions.layers"``."""
        return f"solutions.{self.topic}"

    @property
    def public_checks(self) -> str:
        """The dotted name of the module holding the lab's public self-checks, e.g. ``"labkit.public.layers"``."""
        return f"labkit.public.{self.topic}"

    @property
    def hidden_spec(self) -> Path:
        """The hidden spec in the installed ``autograder`` package (``autograder/hidden/NN_name.py``).

        A staff-only source bundle carries the specs of its own labs only (:func:`source_bundle`), so elsewhere
        the file may be missing: :attr:`gradable` says whether it is here.
        """
        return HIDDEN_DIR / f"{self.id}.py"

    @property
    def gradable(self) -> bool:
        """Whether this installation has the lab's hidden spec, so that it can grade the lab."""
        return self.hidden_spec.is_file()

    def template(self, project: Project) -> Path:
        """The lab template ``source/NN_name.py`` of ``project``."""
        return project.source / f"{self.id}.py"

    def reference_path(self, project: Project) -> Path:
        """The reference module ``solutions/<topic>.py`` of ``project``."""
        return project.module_path(self.reference)

    def public_checks_path(self, project: Project) -> Path:
        """The public self-check module ``source/labkit/public/<topic>.py`` of ``project``."""
        return project.labkit_source / "public" / f"{self.topic}.py"

    def mistakes(self, project: Project) -> Path:
        """The lab's table of realistic mistakes with their exact scores (the examples' Bob is a subset of it)."""
        return project.root / "tests" / "labs" / self.id / "mistakes.py"

    def spec(self) -> Spec:
        """The lab's hidden :class:`~autograder.grade.spec.Spec`, loaded once per process.

        Raises
        ------
        ProjectError
            When this installation has no hidden spec of the lab.
        """
        return load_spec(self.id)

    def points(self) -> dict[str, float]:
        """Exercise name -> the points its hidden tests are worth, in notebook order."""
        spec = self.spec()
        return {name: spec.max_score(name) for name in spec.exercises}

    def exercises(self) -> list[str]:
        """The exercise names of the hidden spec, in notebook order."""
        return list(self.spec().exercises)


LABS: tuple[Lab, ...] = (
    Lab(1, "gradient_descent", "Lab 1 — Gradient descent", "gradient_descent"),
    Lab(2, "linear_models", "Lab 2 — Linear models", "linear_models"),
    Lab(3, "softmax", "Lab 3 — The softmax classifier", "softmax"),
    Lab(4, "backprop", "Lab 4 — Backpropagation", "layers"),
    Lab(5, "optimizers", "Lab 5 — Optimizers", "optim"),
    Lab(6, "regularization", "Lab 6 — Regularization", "regularization"),
    Lab(7, "cnn", "Lab 7 — Convolutional networks", "cnn"),
    Lab(8, "autoencoders", "Lab 8 — Autoencoders", "autoencoder"),
)
"""Every lab of the course, in order."""

_BY_ID = {lab.id: lab for lab in LABS}


def all_lab_ids() -> list[str]:
    """The ids of every lab, in order."""
    return list(_BY_ID)


def gradable_lab_ids() -> list[str]:
    """The ids of the labs this installation can grade (their hidden spec is here), in order."""
    return [lab.id for lab in LABS if lab.gradable]


def get_lab(lab_id: str) -> Lab:
    """The :class:`Lab` of ``lab_id``.

    Raises
    ------
    ProjectError
        When no lab has that id; the message lists the labs.
    """
    try:
        return _BY_ID[lab_id]
    except KeyError:
        raise ProjectError(f"no lab {lab_id!r}; the labs are: {', '.join(_BY_ID)}") from None


def select_labs(available: list[str], wanted: list[str] | None) -> list[str]:
    """Filter lab ids by the user's ``--lab`` values: a number (``1`` or ``01``) or a full id.

    Raises
    ------
    ProjectError
        When a wanted lab does not exist; the message lists the labs that do.
    """
    if not wanted:
        return list(available)
    chosen: list[str] = []
    for want in wanted:
        matches = [lab for lab in available if lab == want or (want.isdigit() and int(lab[:2]) == int(want))]
        if not matches:
            raise ProjectError(f"no lab {want!r}; the labs are: {', '.join(available) or '(none)'}")
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


# ---------------------------------------------------------------------------------------------- hidden specs

_SPECS: dict[str, Spec] = {}
_SPECS_LOCK = threading.Lock()


def load_spec(lab_id: str) -> Spec:
    """The hidden :class:`~autograder.grade.spec.Spec` of ``lab_id``, loaded once per process.

    Raises
    ------
    ProjectError
        When ``lab_id`` is not a lab, or this installation has no hidden spec of it.
    """
    with _SPECS_LOCK:
        if lab_id not in _SPECS:
            lab = get_lab(lab_id)
            if not lab.gradable:
                raise ProjectError(f"{lab_id}: no hidden spec at {lab.hidden_spec}")
            module_spec = importlib.util.spec_from_file_location(f"autograder.hidden.lab_{lab_id}", lab.hidden_spec)
            module = importlib.util.module_from_spec(module_spec)  # type: ignore[arg-type]  # a .py file: a spec
            module_spec.loader.exec_module(module)  # type: ignore[union-attr]  # and a loader
            _SPECS[lab_id] = module.spec
        return _SPECS[lab_id]


@functools.cache
def reference_names() -> frozenset[str]:
    """Every function and class name the reference modules of the labs define (a student's renamed function is
    never one of them)."""
    names: set[str] = set()
    for lab in LABS:
        module = importlib.import_module(lab.reference)
        names |= {n for n, v in vars(module).items() if callable(v) and getattr(v, "__module__", "") == module.__name__}
    return frozenset(names)


def exercises_by_lab() -> dict[str, list[str]]:
    """Lab id -> exercise names in notebook order, for every gradable lab (the gradebook's columns)."""
    return {lab_id: get_lab(lab_id).exercises() for lab_id in gradable_lab_ids()}


# ---------------------------------------------------------------------------------------------- files


def _python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def labkit_files(project: Project) -> dict[Path, Path]:
    """What students get of ``labkit``: path relative to the package folder -> the file in ``source/labkit/``.

    ``source/labkit/`` is the one source: ``labs/labkit/`` is the build's copy of it (``dlcv build --check`` fails
    while they differ), and every export and release reads the source.
    """
    root = project.labkit_source
    return {path.relative_to(root): path for path in _python_files(root)}


def source_bundle(project: Project, bundle_lab_ids: list[str]) -> list[Path]:
    """Project-relative paths of what ``pip install`` needs to install a grader of ``bundle_lab_ids``, sorted.

    The bundle is what a staff-only autograder ships (the otter export's source copy, the Gradescope zip):
    ``pyproject.toml`` and ``README.md`` (packaging metadata), the ``autograder`` package, the reference modules
    ``solutions/*.py`` and ``source/labkit/``. Of the hidden specs it carries **only those of its own labs**: a
    zip is made for one lab's assignment and shared with whoever sets that assignment up, so another lab's hidden
    tests have no business in it, and a zip that leaks gives away one lab, not the course.

    Raises
    ------
    ProjectError
        When a lab is unknown or has no hidden spec in ``project``.
    """
    root = project.root
    own_specs = set()
    for lab_id in bundle_lab_ids:
        spec = root / "autograder" / "hidden" / f"{get_lab(lab_id).id}.py"
        if not spec.is_file():
            raise ProjectError(f"{lab_id}: no hidden spec {spec.relative_to(root)}; write it before exporting the lab")
        own_specs.add(spec)
    hidden = root / "autograder" / "hidden"
    other_specs = {p for p in hidden.glob("*.py") if p.name != "__init__.py"} - own_specs
    files = [Path("pyproject.toml"), Path("README.md")]
    files += [p.relative_to(root) for p in _python_files(root / "autograder") if p not in other_specs]
    files += [p.relative_to(root) for p in sorted((root / "solutions").glob("*.py"))]
    files += [p.relative_to(root) for p in labkit_files(project).values()]
    return sorted(files)
