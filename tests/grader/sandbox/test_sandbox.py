"""The sandboxed worker on its own: what student code can and cannot do inside it."""

import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autograder.sandbox import Limits, Runtime, Worker, paths_to_expose, paths_to_hide
from autograder.worker import protocol
from helpers import ROOT, failed_tests, grade_notebook, replace_function, solution_notebook

LAB = "01_gradient_descent"
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="namespaces and private users need root")


@pytest.fixture
def run_in_sandbox(tmp_path):
    """Define ``source`` in a fresh worker and return ``probe()``'s decoded result."""
    workers = []

    def run(source, limits=Limits(test_seconds=5), namespaces=True, hide=(), expose=()):
        runtime = Runtime(hide=[*paths_to_hide(tmp_path, []), *hide], expose=[*paths_to_expose(), *expose])
        worker = Worker(runtime, limits, namespaces)
        workers.append((worker, runtime))
        reply = worker.request({"op": "load", "cells": [[1, textwrap.dedent(source)]]}, 10)
        assert reply["errors"] == [], reply["errors"]
        reply = worker.request({"op": "call", "name": "probe", "args": protocol.encode([]),
                                "kwargs": protocol.encode({})}, limits.test_seconds)
        assert reply["ok"], reply
        return protocol.decode(reply["value"]), worker.protections

    yield run
    for worker, runtime in workers:
        worker.close()
        runtime.close()


@ROOT_ONLY
def test_student_code_runs_as_a_private_user_without_network(run_in_sandbox):
    value, protections = run_in_sandbox("""
        import os, socket
        def probe():
            try:
                socket.create_connection(("127.0.0.1", 22), timeout=1).close()
                network = "connected"
            except OSError as error:
                network = type(error).__name__
            processes = [p for p in os.listdir("/proc") if p.isdigit()]
            return {"uid": os.getuid(), "network": network, "processes": processes, "me": str(os.getpid())}
        """)
    assert value["uid"] == protections["unprivileged_user"] != 0
    assert value["network"] != "connected"
    assert value["processes"] == [value["me"]]  # not the grader, not other workers
    assert protections["network_namespace"] is True and protections["private_proc"] is True


@ROOT_ONLY
def test_tmp_is_private_and_bounded(run_in_sandbox, tmp_path):
    marker = f"/tmp/dlcv-sandbox-marker-{os.getpid()}"
    value, protections = run_in_sandbox(f"""
        import os
        def probe():
            with open({marker!r}, "w") as handle:
                handle.write("x")
            try:
                with open("/tmp/big", "wb") as handle:
                    for _ in range(100):
                        handle.write(b"0" * 2**20)
                big = "written"
            except OSError as error:
                big = type(error).__name__
            return {{"cwd": os.getcwd(), "big": big, "marker": os.path.exists({marker!r})}}
        """, limits=Limits(test_seconds=10, disk_bytes=8 * 2**20))
    assert value == {"cwd": "/tmp/work", "big": "OSError", "marker": True}
    assert not os.path.exists(marker)  # the worker's /tmp is not the host's
    assert protections["private_tmp"] is True


@ROOT_ONLY
def test_hidden_paths_are_empty_and_the_environment_is_scrubbed(run_in_sandbox):
    value, _ = run_in_sandbox(f"""
        import os
        import numpy as np
        def probe():
            try:
                listing = os.listdir({str(ROOT / 'autograder' / 'hidden')!r})
            except OSError as error:
                listing = type(error).__name__
            try:
                import solutions.gradient_descent
                imported = "imported"
            except (ImportError, OSError) as error:
                imported = type(error).__name__
            try:
                os.listdir({str(ROOT / '.git')!r})
                git = "listed"
            except OSError as error:
                git = type(error).__name__
            import labkit  # public code stays importable
            return {{"hidden": listing, "import": imported, "env": sorted(os.environ), "git": git,
                     "labkit": labkit.rel_error(np.ones(2), np.ones(2))}}
        """)
    assert value["hidden"] in ("PermissionError", "FileNotFoundError", [])
    assert value["import"] in ("ModuleNotFoundError", "ImportError", "PermissionError")
    assert not {"PYTHONPATH", "VIRTUAL_ENV", "USER", "SUDO_USER"} & set(value["env"])
    assert value["git"] != "listed" and value["labkit"] == 0.0


def test_resource_limits_stop_memory_and_process_bombs(run_in_sandbox):
    value, protections = run_in_sandbox("""
        import os
        def probe():
            try:
                block = bytearray(3 * 2**30)
                memory = "allocated"
            except MemoryError:
                memory = "MemoryError"
            children, error = [], None
            try:
                for _ in range(200):
                    pid = os.fork()
                    if pid == 0:
                        import time
                        time.sleep(30)
                        os._exit(0)
                    children.append(pid)
            except OSError as exc:
                error = type(exc).__name__
            for pid in children:
                os.kill(pid, 9)
            return {"memory": memory, "forks": len(children), "fork_error": error}
        """, limits=Limits(memory_bytes=1 * 2**30, processes=16))
    assert value["memory"] == "MemoryError"
    assert value["forks"] < 16 and value["fork_error"] in ("BlockingIOError", "OSError")
    assert protections["rlimits"]["processes"] == 16


def test_values_cross_as_exact_plain_types_only(run_in_sandbox):
    value, _ = run_in_sandbox("""
        import numpy as np
        class Sneaky(np.ndarray):
            def __eq__(self, other):
                return True
        class LyingFloat(float):
            pass
        def probe():
            return (np.arange(3.0).view(Sneaky), LyingFloat(1.0), np.array([1, None], dtype=object),
                    np.float64(2.5), np.arange(4, dtype=np.float32).reshape(2, 2), {1.0: "a"})
        """)
    sneaky, lying, objects, scalar, small, mapping = value
    assert isinstance(sneaky, protocol.Unsupported) and "Sneaky" in sneaky.type_name
    assert isinstance(lying, protocol.Unsupported) and isinstance(objects, protocol.Unsupported)
    assert type(scalar) is np.float64 and scalar == 2.5
    assert type(small) is np.ndarray and small.dtype == np.float32 and small.shape == (2, 2)
    assert mapping == {1.0: "a"}


@pytest.mark.parametrize("frame", [
    {"__ndarray__": ["|O", [1], ""]},                  # object dtype
    {"__ndarray__": ["<f8", [3], "AAAAAAAAAAA="]},      # data shorter than the shape says
    {"__ndarray__": ["<f8", [-1], ""]},                 # negative dimension
    {"__fn__": ["polynomial", {"__dict__": []}]},       # a worker must not send callables
    {"__tuple__": [1], "__dict__": []},                 # two tags
    {"__pickle__": "gASV"},                             # no such thing
])
def test_the_decoder_rejects_malformed_or_dangerous_values(frame):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(frame)


def test_deep_nesting_is_rejected():
    value = 1
    for _ in range(protocol.MAX_DEPTH + 2):
        value = [value]
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(value)


@ROOT_ONLY
def test_only_system_folders_and_what_the_worker_needs_are_visible(run_in_sandbox):
    """Another copy of a course repository anywhere on the machine (here: a world-readable file in /run, as in
    a second checkout) is out of reach; the system and the Python environment are not."""
    secret_dir = Path(tempfile.mkdtemp(prefix="dlcv-secret-", dir="/run"))
    try:
        os.chmod(secret_dir, 0o755)
        secret = secret_dir / "gradient_descent.py"
        secret.write_text("ANSWER = 42\n")
        os.chmod(secret, 0o644)
        value, protections = run_in_sandbox(f"""
            import os, sys
            def probe():
                try:
                    open({str(secret)!r}).read()
                    read = "read"
                except OSError as error:
                    read = type(error).__name__
                return {{"read": read, "usr": os.path.isdir("/usr/lib"), "prefix": os.path.isdir(sys.prefix)}}
            """)
        assert value == {"read": value["read"], "usr": True, "prefix": True} and value["read"] != "read"
        assert "/run" in protections["covered_folders"]
    finally:
        shutil.rmtree(secret_dir)


@ROOT_ONLY
def test_a_hidden_folder_inside_a_kept_one_stays_hidden(run_in_sandbox):
    """A kept folder is bound back whole after the covers (a virtual environment, an exposed package); a hidden
    folder inside it (an installed course's hidden specs) must be covered again, not come back with it."""
    kept = Path(tempfile.mkdtemp(prefix="dlcv-kept-", dir="/srv" if os.path.isdir("/srv") else "/run"))
    try:
        os.chmod(kept, 0o755)
        (kept / "public.py").write_text("PUBLIC = 1\n")
        hidden = kept / "hidden"
        hidden.mkdir(mode=0o755)
        (hidden / "spec.py").write_text("ANSWER = 42\n")
        for path in (kept / "public.py", hidden / "spec.py"):
            os.chmod(path, 0o644)
        value, protections = run_in_sandbox(f"""
            import os
            def probe():
                def read(path):
                    try:
                        return open(path).read()
                    except OSError as error:
                        return type(error).__name__
                return {{"public": read({str(kept / "public.py")!r}), "hidden": read({str(hidden / "spec.py")!r})}}
            """, hide=[str(hidden)], expose=[str(kept)])
        assert value["public"] == "PUBLIC = 1\n"  # the kept folder is there
        assert value["hidden"] in ("PermissionError", "FileNotFoundError")
        assert str(hidden) in protections["hidden_paths"]
    finally:
        shutil.rmtree(kept)


@pytest.mark.skipif(os.geteuid() != 0, reason="hiding paths needs root (mount namespaces)")
def test_the_sandbox_cannot_read_the_reference_module(tmp_path):
    target = ROOT / "solutions" / "gradient_descent.py"
    nb = replace_function(solution_notebook(LAB), "f", f"""
        def f(x):
            return open({str(target)!r}).read()
        """)
    results = grade_notebook(nb, LAB, tmp_path)
    message = failed_tests(results)["bowl_functions: f(x) = x² element-wise on random arrays"]
    assert "raised" in message and ("Error" in message)
    protections = results["extra_data"]["protections"]
    assert protections["network_namespace"] and protections["private_tmp"] and protections["unprivileged_user"]
    assert str(ROOT) in protections["hidden_paths"]  # the whole repository: solutions, specs, .git
