"""What a Gradescope autograder's ``run_autograder`` runs: grade the one notebook a student uploaded.

``python -m autograder.export.gradescope_run --lab LAB`` reads ``ROOT/submission/`` and writes
``ROOT/results/results.json`` in Gradescope's schema (:mod:`.gradescope_results`), where ``ROOT`` is
``/autograder`` or the folder named by the environment variable ``DLCV_AUTOGRADER_ROOT`` (for testing a zip
outside Gradescope's container). It always writes a results file: an upload that is not exactly one readable
notebook gets 0 points and a message that says what to upload.

Gradescope's containers may not allow the mount, network and IPC namespaces dlcv's sandbox enters as root (Docker
forbids ``unshare`` without ``CAP_SYS_ADMIN``). The runner tries them once in a throw-away process first; where
they are unavailable it grades with ``namespaces=False`` — a separate worker process with resource limits and a
private user id, and no access to the hidden material because ``setup.sh`` makes it readable by root only — and
says so in ``extra_data.sandbox``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..course import load_spec
from ..grade.batch import default_seed
from ..grade.results import not_gradable_results
from ..grade.submissions import Submission, safe_id
from ..sandbox import Limits
from .gradescope_results import to_gradescope
from .grading import grade_notebook

ROOT_VARIABLE = "DLCV_AUTOGRADER_ROOT"
DEFAULT_ROOT = "/autograder"
_IGNORED_PARTS = {".ipynb_checkpoints", "__MACOSX", "__pycache__", ".git"}

# The first calls the sandboxed worker makes as root (autograder.worker.lockdown), in a process of their own.
_NAMESPACE_PROBE = """
from autograder.worker import lockdown
libc = lockdown._libc()
lockdown._enter_namespaces(libc, {})
lockdown._mount(libc, "none", "/tmp", "tmpfs", 0, "size=64k")
"""


class UploadError(ValueError):
    """The upload is not exactly one notebook; the message tells the student what to upload."""


def find_notebook(folder: str | os.PathLike[str], lab: str) -> Path:
    """The one notebook uploaded to ``folder`` (searched recursively, as an upload may hold folders).

    Raises
    ------
    UploadError
        When there is no notebook, or more than one; the message names what was found and what to upload.
    """
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file() and not _IGNORED_PARTS & set(p.parts)
                   and not p.name.startswith("."))
    notebooks = [p for p in files if p.suffix.lower() == ".ipynb"]
    wanted = f"upload exactly one notebook, your {lab}.ipynb, and nothing else"
    if len(notebooks) == 1:
        return notebooks[0]
    names = ", ".join(str(p.relative_to(folder)) for p in (notebooks or files)[:10])
    if not files:
        raise UploadError(f"nothing was uploaded; {wanted}")
    if not notebooks:
        raise UploadError(f"no notebook (.ipynb file) was uploaded, only: {names}; {wanted}")
    raise UploadError(f"{len(notebooks)} notebooks were uploaded ({names}); {wanted}")


def student_id(metadata_path: str | os.PathLike[str]) -> str:
    """The submitter's e-mail from Gradescope's ``submission_metadata.json`` (it chooses the seed, as the student
    id does in ``dlcv grade``), or ``"submission"`` when it cannot be read."""
    try:
        users = json.loads(Path(metadata_path).read_text(encoding="utf-8"))["users"]
        return safe_id(str(users[0]["email"]))
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return "submission"


def probe_namespaces() -> dict[str, Any]:
    """Whether the sandbox can enter its namespaces here.

    Returns
    -------
    dict
        ``{"namespaces": bool}``, with a ``note`` saying why not and what protects the grading instead.
    """
    if os.geteuid() != 0:
        # the worker tries unprivileged user namespaces itself and reports in extra_data.protections what it got
        return {"namespaces": True, "note": "the autograder does not run as root: workers use unprivileged user "
                                            "namespaces where the kernel allows them (see protections)"}
    try:
        completed = subprocess.run([sys.executable, "-P", "-c", _NAMESPACE_PROBE], capture_output=True, text=True,
                                   timeout=30)
        failure = completed.stderr.strip().splitlines()[-1] if completed.returncode else None
    except subprocess.TimeoutExpired:
        failure = "the probe did not finish in 30 s"
    if failure is None:
        return {"namespaces": True}
    return {"namespaces": False,
            "note": f"this container does not allow the sandbox's namespaces ({failure}); graded with namespaces "
                    "off: a separate worker process with resource limits and a private user id, which cannot read "
                    "the hidden tests (setup.sh made them readable by root only)"}


def grade_upload(root: str | os.PathLike[str], lab: str, limits: Limits = Limits(),
                 probe: Callable[[], dict[str, Any]] = probe_namespaces) -> dict[str, Any]:
    """Gradescope's results for the upload in ``root/submission``.

    Parameters
    ----------
    root : pathlib.Path
        A folder laid out like ``/autograder`` (``submission/``, ``submission_metadata.json``).
    lab : str
        The lab id this autograder grades.
    limits : autograder.sandbox.Limits
    probe : callable
        Returns the sandbox mode (:func:`probe_namespaces`).

    Returns
    -------
    dict
        Gradescope's ``results.json``; never raises for anything the upload contains.
    """
    started = time.monotonic()
    root = Path(root)
    student = student_id(root / "submission_metadata.json")
    sandbox = probe()
    try:
        notebook = find_notebook(root / "submission", lab)
    except UploadError as error:
        results = not_gradable_results(Submission(root / "submission", student, lab), str(error), load_spec(lab),
                                       seed=default_seed(student, lab))
        graded_file = None
    else:
        results = grade_notebook(notebook, lab, student=student, limits=limits, namespaces=sandbox["namespaces"])
        graded_file = str(notebook.relative_to(root / "submission"))
    extra = {"sandbox": sandbox, "graded_file": graded_file}
    return to_gradescope(results, extra, execution_time=time.monotonic() - started)


def write_results(results: dict[str, Any], path: Path) -> None:
    """Write ``results`` to ``path`` atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_autograder", description=__doc__.splitlines()[0])
    parser.add_argument("--lab", required=True, help="the lab id this autograder grades")
    args = parser.parse_args(argv)
    root = Path(os.environ.get(ROOT_VARIABLE) or DEFAULT_ROOT)
    results = grade_upload(root, args.lab)
    write_results(results, root / "results" / "results.json")
    extra = results["extra_data"]
    # stdout is the staff's log on Gradescope (stdout_visibility: hidden)
    print(f"{args.lab}: {results['score']:g} / {extra.get('max_score', 0):g} points"
          f" ({extra.get('graded_file') or 'no notebook graded'};"
          f" sandbox namespaces: {extra['sandbox']['namespaces']})")
    if not extra.get("gradable", True):
        print(f"not gradable: {extra.get('reason')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
