"""The grader run by an unprivileged user: the same protections through user namespaces, or a clear fallback.

Needs root only to set the stage: an unprivileged system user (``dlcv-test``, created if missing), a copy of the
repository it owns, and a virtual environment made with Debian's ``/usr/bin/python3.11`` (readable by every user,
unlike the pyenv interpreter under /root) into which the project is ``pip install``-ed (not editable, not the test
extra: an installed course, whose hidden specs sit inside the kept virtual environment). Everything graded here
is graded by that user's ``dlcv``. Setting up takes about 30 s with the user's pip cache warm (it is kept in its
home), a few minutes the first time.

* The attack corpus graded as that user gains exactly what it gains as root — nothing, by the corpus table's own
  expectations (``tests/test_corpus.py``) — leaves nothing behind, and every result says that user, mount,
  network, IPC and PID namespaces were active and no capability was left.
* Single workers (``tests/rootless_probe.py``): mounts cannot be undone, no nested user namespace, only the
  worker's own processes, no network, the virtual environment read-only; the process limit is per worker, and a
  worker that kills its relay and leaves its process group is still killed with everything it started.
* The fallback: where the kernel refuses a user namespace (here: a real refusal, ``user.max_user_namespaces=0`` in
  a user namespace the grader runs in, which leaves the host's sysctl alone) or ``DLCV_USER_NAMESPACES=off``,
  results.json says so with the reason, and ``dlcv grade`` prints one line for the whole run.
"""

import dataclasses
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from test_corpus import ATTACKS, HONEST, LAB, _attack_counts, _grade_attacks, assert_attack_gained_nothing, run_batch

ROOT = Path(__file__).resolve().parent.parent
USER = "dlcv-test"
PYTHON = "/usr/bin/python3.11"
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create the unprivileged user it runs the grader as"),
    pytest.mark.skipif(not os.access(PYTHON, os.X_OK) or not os.access(RUNUSER, os.X_OK),
                       reason=f"needs {PYTHON} and runuser"),
]
NAMESPACES = ("user_namespace", "mount_namespace", "network_namespace", "ipc_namespace", "pid_namespace")


def _user():
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--create-home", "--shell", "/usr/sbin/nologin", USER], check=True)
        return pwd.getpwnam(USER)


def _not_copied(folder, names):
    """What the user's copy of the repository leaves out: environments, caches, build and grading output."""
    skip = {".venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis"}
    top = {"build", "grading"} if Path(folder) == ROOT else set()
    return [n for n in names if n in skip | top or n.endswith(".egg-info")]


class Stage:
    """The unprivileged user's copy of the project: ``repo`` (owned by the user), ``venv``, ``dlcv``."""

    def __init__(self, user, base):
        self.user, self.base = user, base
        self.repo, self.venv = base / "repo", base / "venv"
        self.dlcv = self.venv / "bin" / "dlcv"
        self.setup_seconds = 0.0

    def env(self, **extra):
        env = {"HOME": self.user.pw_dir, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        env.update({k: v for k, v in os.environ.items() if k.startswith("PIP_")})  # this machine's package index
        env.update(extra)
        return env

    def run(self, *command, timeout=600, **env):
        """Run ``command`` as the user, in the copy of the repository; returns the CompletedProcess."""
        return subprocess.run([RUNUSER, "-u", USER, "--", *map(str, command)], cwd=self.repo, env=self.env(**env),
                              capture_output=True, text=True, timeout=timeout)

    def own(self, path):
        subprocess.run(["chown", "-R", f"{USER}:{self.user.pw_gid}", str(path)], check=True)

    def site_packages(self):
        return next((self.venv / "lib").glob("python3*/site-packages"))


@pytest.fixture(scope="module")
def stage():
    user = _user()
    base = Path(tempfile.mkdtemp(prefix="dlcv-rootless-", dir=user.pw_dir))
    started = time.monotonic()
    try:
        stage = Stage(user, base)
        shutil.copytree(ROOT, stage.repo, ignore=_not_copied)
        stage.own(base)
        os.chmod(base, 0o755)
        for command in ([PYTHON, "-m", "venv", stage.venv],
                        [stage.venv / "bin" / "pip", "install", "--quiet", stage.repo]):
            done = stage.run(*command, timeout=1800)
            assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stderr[-3000:]}"
        stage.setup_seconds = time.monotonic() - started
        print(f"\nrootless stage: venv and pip install as {USER} took {stage.setup_seconds:.0f} s")
        yield stage
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _digest(folder):
    """sha256 of every file under ``folder`` except compiled bytecode (which importing may write)."""
    import hashlib

    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def _as_user(stage, **env):
    """A ``run_batch`` that grades as the user, from its copy of the repository."""
    def run(folder, out):
        return run_batch(folder, out, grader=(RUNUSER, "-u", USER, "--", str(stage.dlcv)), cwd=stage.repo,
                         env=stage.env(**env))
    return run


def _batch_folder(stage, name):
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=stage.base))
    os.chmod(folder, 0o755)
    return folder


def _honest_batch(stage, name, run):
    base = _batch_folder(stage, name)
    folder = base / "submissions"
    folder.mkdir()
    for student, (source, _) in HONEST.items():
        shutil.copy(source, folder / f"{student}_{LAB}.ipynb")
    stage.own(base)
    return run(folder, base / "out")


# ---------------------------------------------------------------------------------------------- the attack corpus


@pytest.fixture(scope="module")
def rootless_attacks(stage):
    base = _batch_folder(stage, "attacks")
    installed = stage.site_packages()
    watched = [stage.repo / "solutions", stage.repo / "autograder", installed / "solutions", installed / "autograder"]
    before = {str(d): _digest(d) for d in watched}
    sitecustomize = sorted(installed.glob("sitecustomize*"))
    batch = _grade_attacks(base, ATTACKS, _as_user(stage), extra_dirs=[stage.repo],
                           prepare=lambda folder: stage.own(base))
    batch.leftovers += [f"changed under {d}" for d in watched if _digest(d) != before[str(d)]]
    batch.leftovers += [f"new file {p}" for p in sorted(installed.glob("sitecustomize*")) if p not in sitecustomize]
    return batch


def test_the_rootless_attack_batch_finishes_with_every_protection(rootless_attacks):
    batch = rootless_attacks
    assert not batch.hung and batch.returncode == 0, f"{batch.stderr[-2000:]}\n{_attack_counts(batch)}"
    assert len(batch.results) == len(ATTACKS) + len(HONEST), _attack_counts(batch)
    assert "WEAKER SANDBOX" not in batch.stderr
    for student, results in batch.results.items():
        protections = results["extra_data"]["protections"]
        assert {k: protections.get(k) for k in NAMESPACES} == dict.fromkeys(NAMESPACES, True), (student, protections)
        assert protections["capabilities"] == "none" and protections["private_proc"] is True, (student, protections)
        assert protections["private_tmp"] is True and "errors" not in protections, (student, protections)
        assert protections.get("unprivileged_user") is None  # no private uid without root: the grader's own
        assert protections["grader_not_dumpable"] is True


# What an attack's tests say where the namespaces make it fail differently than as root (its score is the same).
ROOTLESS_PHRASES = {
    # getppid() is 0 (the parent lives outside the PID namespace), so kill(0) hits the worker's own process group
    # (its relay, which only waits; the grader kills through pid 1's pidfd), kill(1) is the worker itself (pid 1
    # ignores it), and kill(-1) finds nobody else to signal: ESRCH, where as root it reports "killed []".
    "atk18-kill-grader": ("raised ProcessLookupError: [Errno 3] No such process",),
}


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.student) for s in ATTACKS])
def test_a_rootless_attack_gains_what_it_gains_as_root(rootless_attacks, spec):
    if spec.student in ROOTLESS_PHRASES:
        spec = dataclasses.replace(spec, phrases=ROOTLESS_PHRASES[spec.student])
    assert_attack_gained_nothing(rootless_attacks, spec, _attack_counts(rootless_attacks))


def test_honest_submissions_score_as_usual_without_root(rootless_attacks):
    for student, (_, score) in HONEST.items():
        assert rootless_attacks.results[student]["score"] == score, _attack_counts(rootless_attacks)


def test_rootless_attacks_leave_nothing_behind(rootless_attacks):
    assert rootless_attacks.leftovers == [], rootless_attacks.leftovers[:40]


# ---------------------------------------------------------------------------------------------- single workers


def _probe(stage, source, *options, **env):
    path = stage.base / f"probe-{time.monotonic_ns()}.py"
    path.write_text(source)
    os.chmod(path, 0o644)
    done = stage.run(stage.venv / "bin" / "python", stage.repo / "tests" / "rootless_probe.py", path, *options,
                     timeout=120, **env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


UNDO = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)

def attempt(call):
    result = call()
    return "done" if result == 0 else os.strerror(ctypes.get_errno())

def probe():
    out = {}
    for path in ("/work", "/home", "/tmp", "/proc", SPEC):
        out[f"umount {path}"] = attempt(lambda: libc.umount2(path.encode(), 2))  # MNT_DETACH
    out["mount proc"] = attempt(lambda: libc.mount(b"proc", b"/mnt", b"proc", 0, None))
    out["remount venv rw"] = attempt(lambda: libc.mount(None, sys.prefix.encode(), None, 0x20 | 0x1000, None))
    out["nested user namespace"] = attempt(lambda: libc.unshare(0x10000000))
    try:
        os.setuid(0)
        out["setuid 0"] = "done"
    except OSError as error:
        out["setuid 0"] = error.strerror
    status = dict(l.split(":\t", 1) for l in open("/proc/self/status").read().splitlines() if ":\t" in l)
    out["caps"] = sorted({status[k].strip() for k in ("CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb")})
    out["no_new_privs"] = status["NoNewPrivs"].strip()
    try:
        open(os.path.join(SPEC, "gradient_descent.py")).read()
        out["spec"] = "read"
    except OSError as error:
        out["spec"] = type(error).__name__
    return out
"""


def test_student_code_cannot_undo_the_mounts_or_regain_privileges(stage):
    spec = str(stage.site_packages() / "solutions")
    value = _probe(stage, UNDO.replace("SPEC", repr(spec)))["values"][0]
    for path in ("/work", "/home", "/tmp", "/proc", spec):
        assert value[f"umount {path}"] == "Operation not permitted", value
    assert value["mount proc"] == "Operation not permitted" and value["remount venv rw"] == "Operation not permitted"
    assert value["nested user namespace"] == "No space left on device", value  # user.max_user_namespaces = 0
    assert value["setuid 0"] == "Invalid argument"  # uid 0 is not even mapped in the worker's namespace
    assert value["caps"] == ["0000000000000000"] and value["no_new_privs"] == "1"
    assert value["spec"] in ("PermissionError", "FileNotFoundError")


SEES = r"""
import os, socket, sys

def probe():
    out = {"pid": os.getpid(), "pids": sorted(p for p in os.listdir("/proc") if p.isdigit())}
    for name, path in (("home", "/home"), ("work", "/work"), ("repo", REPO), ("out", OUT)):
        try:
            out[name] = os.listdir(path)
        except OSError as error:
            out[name] = type(error).__name__
    try:
        socket.create_connection(("127.0.0.1", 22), timeout=1).close()
        out["network"] = "connected"
    except OSError as error:
        out["network"] = error.strerror
    try:
        open(os.path.join(sys.prefix, "dlcv-written"), "w").close()
        out["venv"] = "written"
    except OSError as error:
        out["venv"] = error.strerror
    out["uid"] = os.getuid()
    return out
"""


def test_a_rootless_worker_sees_only_itself_and_the_system(stage):
    result = _probe(stage, SEES.replace("REPO", repr(str(stage.repo))).replace("OUT", repr(str(stage.base))))
    value, protections = result["values"][0], result["protections"]
    assert value["pid"] == 1 and value["pids"] == ["1"], value  # pid 1 of its own PID namespace, alone
    # the virtual environment lies under /home: an empty cover holds only the way down to it
    assert value["home"] == [stage.user.pw_dir.split("/")[-1]] and value["out"] == ["venv"], value
    assert value["work"] == "PermissionError" and value["repo"] in ("FileNotFoundError", "PermissionError"), value
    assert value["network"] == "Network is unreachable" and value["venv"] == "Read-only file system"
    assert value["uid"] == stage.user.pw_uid  # the grader's own user: no private uid without root
    assert str(stage.venv) in protections["read_only_kept"]
    assert str(stage.site_packages() / "solutions") in protections["hidden_paths"]


HOLD = r"""
import os, time

def probe():
    children = []
    try:
        for _ in range(40):
            pid = os.fork()
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            children.append(pid)
    except OSError:
        pass
    return len(children)  # the children stay until the worker is killed: the next worker forks meanwhile
"""


def test_the_process_limit_is_per_worker_with_user_namespaces(stage):
    """RLIMIT_NPROC counts the processes of a uid in each user namespace: two workers of the same user, each
    holding as many children as it can, both reach their own limit of 16. In the fallback the count is shared
    with every process of the user: the second worker gets (almost) nothing."""
    shared = _probe(stage, HOLD, "--workers", "2", "--processes", "16")["values"]
    assert shared[0] == shared[1] == 14, shared  # 16 processes each: the relay, pid 1 and 14 children
    fallback = _probe(stage, HOLD, "--workers", "2", "--processes", "16", DLCV_USER_NAMESPACES="off")["values"]
    print(f"children held by two workers of one user, limit 16: {shared} with user namespaces, {fallback} without")
    assert fallback[0] + fallback[1] < 16 and fallback[1] <= 1, fallback


ESCAPE = r"""
import ctypes, os, signal, time

def probe():
    os.kill(0, signal.SIGKILL)     # the process group: the relay outside the PID namespace dies, pid 1 does not
    time.sleep(0.2)
    parent = os.getppid()          # 0: the parent lives outside the namespace
    os.setsid()                    # out of the process group the grader kills
    if os.fork() == 0:
        os.setsid()
        ctypes.CDLL(None).prctl(15, b"dlcvescape", 0, 0, 0)  # PR_SET_NAME, so the test can find it
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(300)
        os._exit(0)
    time.sleep(0.2)
    return {"parent": parent}
"""


def test_a_worker_that_kills_its_relay_and_leaves_its_group_is_still_killed(stage):
    result = _probe(stage, ESCAPE, "--marker", "dlcvescape")
    assert result["values"][0] == {"parent": 0}
    assert result["before_kill"] == 1 and result["after_kill"] == 0, result


# ---------------------------------------------------------------------------------------------- the fallback


def test_switched_off_user_namespaces_are_reported_once(stage):
    batch = _honest_batch(stage, "switch", _as_user(stage, DLCV_USER_NAMESPACES="off"))
    assert batch.returncode == 0, batch.stderr[-2000:]
    for student, (_, score) in HONEST.items():
        results = batch.results[student]
        assert results["score"] == score  # the fallback still grades
        protections = results["extra_data"]["protections"]
        assert protections["user_namespace"] is False and "pid_namespace" not in protections
        assert protections["user_namespace_reason"] == "user namespaces are switched off (DLCV_USER_NAMESPACES=off)"
    lines = [line for line in batch.stderr.splitlines() if "WEAKER SANDBOX" in line]
    assert len(lines) == 1 and "for 2 of 2 submissions" in lines[0] and "DLCV_USER_NAMESPACES=off" in lines[0], lines


# Enter a user namespace (own uid mapped to itself), set its user.max_user_namespaces to 0, exec the command: no
# capability survives the exec (the uid is not 0), and no process below can create a user namespace.
REFUSING_KERNEL = r"""
import ctypes, os, sys
uid, gid = os.getuid(), os.getgid()
if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0:
    sys.exit("unshare: " + os.strerror(ctypes.get_errno()))
for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"{uid} {uid} 1"),
                   ("/proc/self/gid_map", f"{gid} {gid} 1"), ("/proc/sys/user/max_user_namespaces", "0")):
    with open(path, "w") as handle:
        handle.write(text)
os.execv(sys.argv[1], sys.argv[1:])
"""


GRADER = r"""
import os

def probe():
    grader = os.getppid()  # in the fallback the grader is visible: the worker's parent, of the same user
    out = {"same_user": os.stat(f"/proc/{grader}").st_uid == os.getuid()}
    for name in ("environ", "mem", "maps"):
        try:
            with open(f"/proc/{grader}/{name}", "rb") as handle:
                handle.read(1)
            out[name] = "read"
        except OSError as error:
            out[name] = type(error).__name__
    return out
"""


def test_in_the_fallback_the_grader_is_not_dumpable(stage):
    """Where workers can see the grader (no PID namespace), they cannot read its environment or memory."""
    result = _probe(stage, GRADER, DLCV_USER_NAMESPACES="off")
    assert result["protections"]["user_namespace"] is False and result["protections"]["grader_not_dumpable"]
    value = result["values"][0]
    # the same user, whose own processes' environment, memory and maps it could otherwise read
    assert value == {"same_user": True, "environ": "PermissionError", "mem": "PermissionError",
                     "maps": "PermissionError"}, value


def test_a_kernel_that_forbids_user_namespaces_gives_the_fallback_and_says_why(stage):
    """The grader runs in a user namespace whose own ``user.max_user_namespaces`` is 0 (the host's is untouched),
    so the kernel really refuses the workers' unshare (ENOSPC)."""
    refuse = (RUNUSER, "-u", USER, "--", PYTHON, "-c", REFUSING_KERNEL, str(stage.dlcv))
    host_limit = Path("/proc/sys/user/max_user_namespaces").read_text()

    def run(folder, out):
        return run_batch(folder, out, grader=refuse, cwd=stage.repo, env=stage.env())

    batch = _honest_batch(stage, "refused", run)
    assert Path("/proc/sys/user/max_user_namespaces").read_text() == host_limit
    assert batch.returncode == 0, batch.stderr[-2000:]
    reasons = {batch.results[s]["extra_data"]["protections"].get("user_namespace_reason") for s in HONEST}
    assert len(reasons) == 1 and "user.max_user_namespaces" in reasons.pop()
    lines = [line for line in batch.stderr.splitlines() if "WEAKER SANDBOX" in line]
    assert len(lines) == 1 and "max_user_namespaces" in lines[0], batch.stderr[-1000:]
