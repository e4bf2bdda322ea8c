"""The grader against its attack and malformed corpora (tests/corpus/, made by tests/corpus/make_corpus.py).

Each corpus is graded in ONE batch by the real CLI (``python -m autograder grade DIR --out OUT -j 2 --test-timeout 2
--submission-timeout 10``), then every submission is checked against the outcome its corpus table states:

* an attack scores no more than the untouched stub (0), stays gradable, and every test says why it failed; the two
  honest submissions in the same batch are graded exactly as in a batch of their own; nothing outside the output
  folder is created or changed, no process, file or SysV IPC object outlives the batch, and the batch finishes;
* a malformed file gets the exact score and message a fair human grader would give, and nothing crashes.

As root the attack batch lives in a world-readable folder outside /tmp (like a course folder; /run, or
``$DLCV_CORPUS_BASE``): under /tmp the worker's private /tmp would hide it anyway, and the grader's own hiding of the
submissions and the output folder would go untested.

``--submission-timeout 10`` (the default is 120 s) keeps attacks that sleep or spin from burning minutes:
loading a notebook has its own fixed 20 s limit, so one sleeping at load would otherwise cost the full 120 s.

Grader holes found by the corpus and not fixed when it was written are listed in ``KNOWN_HOLES``: their tests are
expected failures (xfail), so the suite stays green while the grader is hardened; a hole that gets fixed shows up as
XPASS in the summary (``-ra``), and its entry should then go, so that the test guards the fix.
"""

import contextlib
import csv
import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
_spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

LAB = corpus.LAB
IS_ROOT = os.geteuid() == 0
TEST_TIMEOUT, SUBMISSION_TIMEOUT = 2, 10
IDLE_LIMIT = SUBMISSION_TIMEOUT + 30  # no new results.json for this long while the CLI runs: the batch is stuck
HARD_LIMIT = 240                      # seconds; a batch still running then is killed and reported as hung
GRADER_RSS_LIMIT_MB = 1024            # peak memory of the trusted grader process (it has no rlimit of its own)
HONEST = {"honest-full": (ROOT / "solutions" / "notebooks" / f"{LAB}.ipynb", 29),
          "honest-partial": (ROOT / "examples" / "submissions" / f"bob_{LAB}.ipynb", 23)}

pytestmark = pytest.mark.slow

# Holes the corpus found in the grader (reported with the corpus). Keys are corpus students or batch-level checks.
# Remove an entry once its test shows XPASS: from then on the test guards the fix.
KNOWN_HOLES = {}


def known(key):
    return [pytest.mark.xfail(reason=f"grader hole: {KNOWN_HOLES[key]}", strict=False)] if key in KNOWN_HOLES else []


# ---------------------------------------------------------------------------------------------- running a batch


@dataclass
class Batch:
    """One CLI run over a folder: exit status, whether it hung, its results and what it left behind."""

    folder: Path
    out: Path
    returncode: int | None = None
    hung: bool = False
    seconds: float = 0.0
    max_rss_mb: float = 0.0
    stdout: str = ""
    stderr: str = ""
    results: dict = field(default_factory=dict)  # student -> results.json (dict)
    gradebook: dict = field(default_factory=dict)  # student -> gradebook.csv row (read before the folder goes)
    leftovers: list = field(default_factory=list)
    size: int = 0  # notebooks in the batch

    def summary(self):
        state = "HUNG and was killed" if self.hung else f"exit {self.returncode}"
        return (f"batch of {self.size} in {self.seconds:.0f} s ({state}, grader peak memory "
                f"{self.max_rss_mb:.0f} MB)")


def _pids_whose(predicate):
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if predicate(comm, cmdline):
            found.append((int(entry.name), comm, cmdline[:200]))
    return found


def _kill(pids):
    for pid, _, _ in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _peak_rss_mb(pid):
    """The process's own peak resident memory so far (VmHWM; the rusage of a child would include its workers)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def run_batch(folder, out, grader=(sys.executable, "-m", "autograder"), cwd=ROOT, env=None):
    """Grade ``folder`` with the CLI (``grader`` is the command before ``grade``: another user's ``dlcv`` in
    tests/test_rootless.py); kill it if it stops making progress. Returns a :class:`Batch`."""
    batch = Batch(folder, out, size=len(list(folder.rglob("*.ipynb"))))
    command = [*grader, "grade", str(folder), "--out", str(out), "-j", "2",
               "--test-timeout", str(TEST_TIMEOUT), "--submission-timeout", str(SUBMISSION_TIMEOUT)]
    logs = out.parent / f"{out.name}.log"
    logs.mkdir(parents=True, exist_ok=True, mode=0o700)  # the sandbox must not read the CLI's output
    started = last_progress = time.monotonic()
    seen = 0
    with open(logs / "stdout", "w") as stdout, open(logs / "stderr", "w") as stderr:
        process = subprocess.Popen(command, cwd=cwd, stdout=stdout, stderr=stderr, start_new_session=True, env=env)
        while True:
            batch.max_rss_mb = max(batch.max_rss_mb, _peak_rss_mb(process.pid))
            pid, status = os.waitpid(process.pid, os.WNOHANG)
            if pid:
                batch.returncode = os.waitstatus_to_exitcode(status)
                process.returncode = batch.returncode
                break
            now = time.monotonic()
            count = len(list(out.glob(f"*/{LAB}/results.json")))
            if count != seen:
                seen, last_progress = count, now
            if now - last_progress > IDLE_LIMIT or now - started > HARD_LIMIT:
                batch.hung = True
                os.killpg(process.pid, signal.SIGKILL)
                os.waitpid(process.pid, 0)
                # the workers run in their own sessions; their command line names the batch folder
                _kill(_pids_whose(lambda comm, cmdline: str(folder) in cmdline))
                break
            time.sleep(0.1)
    batch.seconds = time.monotonic() - started
    batch.stdout, batch.stderr = (logs / "stdout").read_text(), (logs / "stderr").read_text()
    for path in out.glob(f"*/{LAB}/results.json"):
        batch.results[path.parent.parent.name] = json.loads(path.read_text())
    if (out / "gradebook.csv").is_file():
        batch.gradebook = {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open())}
    return batch


# ---------------------------------------------------------------------------------------------- host checks

MARKER = corpus.MARKER
IPC_KEYS = range(corpus.IPC_KEY_BASE, corpus.IPC_KEY_BASE + 16)
SCANNED_DIRS = [Path(p) for p in ("/tmp", "/var/tmp", "/dev/shm", "/run", "/run/lock", "/var/lock", "/var/mail",
                                  "/work", "/")] + [ROOT, ROOT / "solutions", ROOT / "autograder",
                                                    ROOT / "autograder" / "hidden", ROOT / "labs"]
SCANNED_FILES = [ROOT / "solutions" / "gradient_descent.py", ROOT / "autograder" / "hidden" / f"{LAB}.py",
                 ROOT / "autograder" / "grade" / "runner.py"] + sorted(
    Path(sys.prefix).glob("lib/python*/site-packages/sitecustomize.py"))


def _marker_files(extra_dirs=()):
    found = []
    for folder in SCANNED_DIRS:
        try:
            found += [p for p in folder.iterdir() if MARKER in p.name]
        except OSError:
            pass
    for folder in extra_dirs:
        found += [p for p in Path(folder).rglob("*") if MARKER in p.name]
    for path in SCANNED_FILES:
        try:
            if MARKER in path.read_text(errors="replace"):
                found.append(path)
        except OSError:
            pass
    return sorted({p.resolve() for p in found})  # /var/lock is /run/lock


def _ipc_objects():
    """(kind, id, key) of SysV IPC objects whose key is one the IPC attack uses."""
    found = []
    for kind, id_column in (("shm", 1), ("msg", 1), ("sem", 1)):
        try:
            rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if int(fields[0]) in IPC_KEYS:
                found.append((kind, int(fields[id_column]), int(fields[0])))
    return found


def _remove_ipc(objects):
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for kind, ipc_id, _ in objects:
        if kind == "shm":
            libc.shmctl(ipc_id, 0, None)  # IPC_RMID
        elif kind == "msg":
            libc.msgctl(ipc_id, 0, None)
        else:
            libc.semctl(ipc_id, 0, 0)


def _ours(comm, cmdline):
    return comm.startswith(MARKER[:11]) or MARKER in cmdline


def _clean_host(extra_dirs=()):
    """Remove what earlier runs of the attacks may have left: marker files (never the scanned repo files), our
    processes, our IPC objects."""
    _kill(_pids_whose(_ours))
    for path in _marker_files(extra_dirs):
        if MARKER in path.name:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    _remove_ipc(_ipc_objects())


OUTPUT_FILES = ("results.json", "feedback.md")  # what the grader writes per submission (docs/staff/grading.md, "Output")


def _grouped(items):
    """Leftover descriptions with runs of digits folded, and a count per group."""
    groups = {}
    for item in items:
        key = re.sub(r"\b\d+\b", "N", item)
        groups[key] = groups.get(key, 0) + 1
    return [f"{count} x {key}" if count > 1 else key for key, count in groups.items()]


def _tree_digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------- fixtures

ATTACKS = [a for a in corpus.ATTACKS if IS_ROOT or not a.needs_root]


@contextlib.contextmanager
def course_folder(tmp_path_factory, name):
    """A folder for one batch that the sandbox could see if the grader did not hide it: world-readable, outside
    /tmp (whose private copy in the worker hides everything under it), removed as soon as the batch is graded so
    that no other batch can find its notebooks. Only as root; otherwise a pytest tmp folder."""
    parent = os.environ.get("DLCV_CORPUS_BASE", "/run")
    if not IS_ROOT or not os.access(parent, os.W_OK):
        yield tmp_path_factory.mktemp(name)
        return
    base = Path(tempfile.mkdtemp(prefix=f"dlcv-{name}-", dir=parent))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def attack_batch(tmp_path_factory):
    with course_folder(tmp_path_factory, "attack-batch") as base:
        return _grade_attacks(base)


def _grade_attacks(base, specs=ATTACKS, run=run_batch, extra_dirs=(), prepare=lambda folder: None):
    """Grade ``specs`` and the honest submissions in one batch under ``base`` with ``run``, then look for what
    the batch left behind (also in ``extra_dirs``). ``prepare(folder)`` runs before grading (ownership)."""
    folder, out = base / "submissions", base / "out"
    folder.mkdir(mode=0o755)
    for spec in specs:
        shutil.copy(CORPUS / "attacks" / spec.filename, folder / spec.filename)
    for student, (source, _) in HONEST.items():
        shutil.copy(source, folder / f"{student}_{LAB}.ipynb")
    prepare(folder)
    _clean_host([folder, *extra_dirs])
    before = _tree_digest(folder)
    batch = run(folder, out)
    time.sleep(1.0)  # a daemon that survived would write again by now
    processes = _pids_whose(_ours)
    markers = _marker_files([folder, out, *extra_dirs])
    ipc = _ipc_objects()
    expected_files = {"gradebook.csv"} | {f"{s}/{LAB}/{name}" for s in batch.results for name in OUTPUT_FILES}
    stray = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) if out.is_dir() else []
    batch.leftovers = ([f"process {pid} {comm!r}: {cmd}" for pid, comm, cmd in processes]
                       + [f"file {p}" for p in markers]
                       + [f"SysV {kind} id {ipc_id} key {key:#x}" for kind, ipc_id, key in ipc]
                       + [f"unexpected output file {p}" for p in stray if p not in expected_files]
                       + [f"submission changed: {p}" for p, digest in _tree_digest(folder).items()
                          if before.get(p) != digest]
                       + [f"submission removed: {p}" for p in before if not (folder / p).is_file()])
    _clean_host([folder, out, *extra_dirs])
    return batch


@pytest.fixture(scope="module")
def honest_alone(tmp_path_factory):
    """The two honest submissions graded in a batch of their own (the reference for "graded normally")."""
    base = tmp_path_factory.mktemp("honest")
    folder = base / "submissions"
    folder.mkdir()
    for student, (source, _) in HONEST.items():
        shutil.copy(source, folder / f"{student}_{LAB}.ipynb")
    return run_batch(folder, base / "out")


@pytest.fixture(scope="module")
def malformed_batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("malformed")
    folder = base / "submissions"
    folder.mkdir()
    for spec in corpus.MALFORMED:
        target = folder / spec.filename
        if spec.at_test_time:
            target.write_bytes(spec.make())
        else:
            shutil.copy(CORPUS / "malformed" / spec.filename, target)
    return run_batch(folder, base / "out")


# ---------------------------------------------------------------------------------------------- helpers


def _outputs(results):
    return [t.get("output", "") for t in results.get("tests", [])]


def _crash_signs(results):
    """Messages that mean the grader, not the submission, failed."""
    texts = _outputs(results) + [results.get("reason") or "", results.get("output") or ""]
    return [t[:160] for t in texts if "internal grader error" in t or "tell the course staff" in t]


def _attack_verdicts(batch):
    gained = [s.student for s in ATTACKS if batch.results.get(s.student, {}).get("score", 0) > 0]
    crashed = [s.student for s in ATTACKS if s.student not in batch.results or _crash_signs(batch.results[s.student])]
    return gained, crashed


def _attack_counts(batch):
    gained, crashed = _attack_verdicts(batch)
    return (f"attacks tried {len(ATTACKS)} / gained points {len(gained)} {gained} / crashed or hung the grader "
            f"{len(crashed)} {crashed}; {batch.summary()}")


def _malformed_counts(batch):
    crashed = [s.student for s in corpus.MALFORMED
               if s.student not in batch.results or _crash_signs(batch.results[s.student])]
    unfair = [s.student for s in corpus.MALFORMED if s.student in batch.results
              and (batch.results[s.student]["score"], batch.results[s.student]["gradable"]) != (s.score, s.gradable)]
    return (f"malformed tried {len(corpus.MALFORMED)} / crashed {len(crashed)} {crashed} / outcome differs from the "
            f"fair one {len(unfair)} {unfair}; {batch.summary()}")


# ---------------------------------------------------------------------------------------------- the corpus itself


def test_corpus_is_generated_and_current(tmp_path):
    """Regenerating the corpus gives the committed bytes; the corpus is as large as the issue asks."""
    corpus.generate(tmp_path / "attacks", tmp_path / "malformed", tmp_path / "README.md")
    for name in ("attacks", "malformed"):
        fresh = {p.name: p.read_bytes() for p in (tmp_path / name).iterdir()}
        committed = {p.name: p.read_bytes() for p in (CORPUS / name).iterdir()}
        assert fresh == committed, f"tests/corpus/{name} is stale: run python tests/corpus/make_corpus.py"
    assert (tmp_path / "README.md").read_bytes() == (CORPUS / "README.md").read_bytes()
    assert len(corpus.ATTACKS) >= 30 and len(corpus.MALFORMED) >= 15
    for spec in corpus.ATTACKS:
        nb = json.loads((CORPUS / "attacks" / spec.filename).read_text())
        first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
        assert "".join(first_code["source"]).startswith(f"# ATTACK {spec.student}: tries to ")


# ---------------------------------------------------------------------------------------------- attack corpus


@pytest.mark.parametrize("key", ["batch-finishes"], ids=lambda k: k)
def test_the_attack_batch_finishes(attack_batch, key, request):
    for mark in known(key):
        request.applymarker(mark)
    assert not attack_batch.hung, f"the grader hung; {_attack_counts(attack_batch)}"
    assert attack_batch.returncode == 0, f"{attack_batch.stderr[-2000:]}\n{_attack_counts(attack_batch)}"
    assert sorted(attack_batch.gradebook) == sorted([s.student for s in ATTACKS] + list(HONEST)), \
        f"gradebook rows: {sorted(attack_batch.gradebook)}; {_attack_counts(attack_batch)}"
    for student, row in attack_batch.gradebook.items():
        assert float(row["total"]) == attack_batch.results[student]["score"], student


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.student, marks=known(s.student)) for s in ATTACKS])
def test_attack_scores_nothing_and_says_why(attack_batch, spec):
    assert_attack_gained_nothing(attack_batch, spec, _attack_counts(attack_batch))


def assert_attack_gained_nothing(batch, spec, counts):
    """The corpus table's outcome for one attack: 0 points, gradable, every test failed with a reason, the
    phrases it must say present and the ones it must not absent."""
    results = batch.results.get(spec.student)
    assert results is not None, f"{spec.student}: no results.json (the grader hung or crashed on it); {counts}"
    assert results["gradable"] is True, f"{spec.student}: {results.get('reason')}; {counts}"
    assert not _crash_signs(results), f"{spec.student}: {_crash_signs(results)}; {counts}"
    gained = {t["name"]: t["score"] for t in results["tests"] if t["score"]}
    assert results["score"] == 0 and not gained, f"{spec.student} gained {results['score']} points: {gained}; {counts}"
    outputs = _outputs(results)
    assert all(t["status"] == "failed" and t["output"].strip() for t in results["tests"]), \
        f"{spec.student}: a test without a reason; {counts}"
    for phrase in spec.phrases:
        alternatives = (phrase,) if isinstance(phrase, str) else phrase
        assert any(a in o for a in alternatives for o in outputs), \
            f"{spec.student}: no test says {' or '.join(map(repr, alternatives))}: {sorted(set(outputs))[:6]}"
    for phrase in spec.forbid:
        assert not any(phrase in o for o in outputs), \
            f"{spec.student}: a test says {phrase!r}: {[o for o in outputs if phrase in o][:3]}"


def test_honest_submissions_in_the_attack_batch_are_graded_normally(attack_batch, honest_alone):
    for student, (_, score) in HONEST.items():
        assert honest_alone.results[student]["score"] == score
        got = attack_batch.results.get(student)
        assert got is not None, f"{student} was not graded; {_attack_counts(attack_batch)}"
        assert got["score"] == score, f"{student}: {got['score']} instead of {score}; {_attack_counts(attack_batch)}"
        # per test the same points; a test that fails anyway may fail differently under load (a wall-clock limit)
        clean = {t["name"]: t for t in honest_alone.results[student]["tests"]}
        differs = {t["name"]: (t["output"][:120], clean[t["name"]]["output"][:120]) for t in got["tests"]
                   if t["output"] != clean[t["name"]]["output"]}
        assert [(t["name"], t["score"]) for t in got["tests"]] == \
               [(t["name"], t["score"]) for t in honest_alone.results[student]["tests"]], \
            f"{student}: per-test points differ from a clean run; outputs that differ: {differs}"


@pytest.mark.parametrize("key", ["atk11-other-students:resumed"], ids=lambda k: k)
@pytest.mark.skipif(not IS_ROOT, reason="hiding other students' folders needs root (mount namespaces)")
def test_a_late_submission_cannot_copy_the_ones_graded_before(tmp_path_factory, key, request):
    """nbgrader-style folders; alice is graded, then mallory (the other-students attack) arrives and the same
    command grades what is missing: alice's folder must stay out of mallory's sight."""
    for mark in known(key):
        request.applymarker(mark)
    with course_folder(tmp_path_factory, "resume") as base:
        first, second = _grade_alice_then_mallory(base)
    assert first.results["alice"]["score"] == 29, first.summary()
    assert "1 submissions already had results" in second.stderr, second.stderr[-500:]
    mallory = second.results["mallory"]
    assert mallory["score"] == 0, f"mallory copied alice: {mallory['score']} points; {second.summary()}"
    assert any("nothing to copy" in o for o in _outputs(mallory))


def _grade_alice_then_mallory(base):
    for student in ("alice", "mallory"):
        (base / "submissions" / student).mkdir(parents=True, mode=0o755)
    for path in (base, base / "submissions"):
        path.chmod(0o755)
    shutil.copy(HONEST["honest-full"][0], base / "submissions" / "alice" / f"{LAB}.ipynb")
    first = run_batch(base / "submissions", base / "out")
    spec = next(a for a in corpus.ATTACKS if a.name == "other-students")
    shutil.copy(CORPUS / "attacks" / spec.filename, base / "submissions" / "mallory" / f"{LAB}.ipynb")
    return first, run_batch(base / "submissions", base / "out")


@pytest.mark.parametrize("key", ["nothing-left-behind"], ids=lambda k: k)
@pytest.mark.skipif(not IS_ROOT, reason="the attacks that write or leave things behind run only as root")
def test_attacks_leave_nothing_behind(attack_batch, key, request):
    """No marker file, changed repository file, stray output, surviving process or SysV IPC object after the batch
    (the attacks that write put the marker in every name and every line they write)."""
    for mark in known(key):
        request.applymarker(mark)
    shown = "\n  ".join(_grouped(attack_batch.leftovers)[:40])
    assert attack_batch.leftovers == [], \
        f"{len(attack_batch.leftovers)} leftovers:\n  {shown}\n{_attack_counts(attack_batch)}"


@pytest.mark.parametrize("key", ["grader-memory"], ids=lambda k: k)
def test_the_trusted_grader_stays_small(attack_batch, key, request):
    for mark in known(key):
        request.applymarker(mark)
    assert attack_batch.max_rss_mb < GRADER_RSS_LIMIT_MB, \
        f"the grader process peaked at {attack_batch.max_rss_mb:.0f} MB; {_attack_counts(attack_batch)}"


def test_attack_corpus_summary(attack_batch):
    """The counts in one line: fails on a hole not in KNOWN_HOLES, xfails (showing the line) while known ones last."""
    gained, crashed = _attack_verdicts(attack_batch)
    line = _attack_counts(attack_batch)
    assert not [s for s in gained + crashed if s not in KNOWN_HOLES], line
    if gained or crashed:
        pytest.xfail(line)


# ---------------------------------------------------------------------------------------------- malformed corpus


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.student, marks=known(s.student)) for s in corpus.MALFORMED])
def test_malformed_file_gets_the_fair_outcome(malformed_batch, spec):
    counts = _malformed_counts(malformed_batch)
    results = malformed_batch.results.get(spec.student)
    assert results is not None, f"{spec.student}: no results.json; {counts}"
    assert not _crash_signs(results), f"{spec.student}: {_crash_signs(results)}; {counts}"
    said = [results.get("reason") or "", results.get("output") or ""] + _outputs(results)
    assert (results["gradable"], results["score"]) == (spec.gradable, spec.score), (
        f"{spec.student}: got {results['score']:g} points, gradable={results['gradable']}; expected {spec.score:g}, "
        f"gradable={spec.gradable} ({spec.why}); it says {[s[:200] for s in said if s][:4]}; {counts}")
    assert any(spec.phrase in s for s in said), f"{spec.student}: nothing says {spec.phrase!r}: {said[:4]}"
    for phrase in spec.forbid:
        assert not any(phrase in s for s in said), f"{spec.student}: misleading {[s for s in said if phrase in s][:2]}"
    if not spec.gradable:
        assert results["reason"] and all(t["score"] == 0 for t in results["tests"])


def test_malformed_corpus_summary(malformed_batch):
    """The batch finishes with exit 3 (some files are not gradable) and nothing crashes; the counts in one line
    (xfails, showing the line, while outcomes listed in KNOWN_HOLES are still unfair)."""
    line = _malformed_counts(malformed_batch)
    assert not malformed_batch.hung, line
    assert malformed_batch.returncode == 3, f"{malformed_batch.stderr[-2000:]}\n{line}"
    assert "NOT GRADABLE" in malformed_batch.stdout
    crashed = [s.student for s in corpus.MALFORMED
               if s.student not in malformed_batch.results or _crash_signs(malformed_batch.results[s.student])]
    unfair = [s.student for s in corpus.MALFORMED if s.student in malformed_batch.results and (
        malformed_batch.results[s.student]["score"], malformed_batch.results[s.student]["gradable"]) != (s.score, s.gradable)]
    assert not crashed, line
    assert not [s for s in unfair if s not in KNOWN_HOLES], line
    if unfair:
        pytest.xfail(line)
