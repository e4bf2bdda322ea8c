"""One sandboxed worker and its protocol channel: start it, send requests, answer its callbacks, kill it."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..worker import protocol
from .errors import WorkerError
from .policy import user_namespace_switch
from .uids import UIDS, kill_uid

if TYPE_CHECKING:
    from .limits import Limits
    from .runtime import Runtime, WorkerProcess


class Worker:
    """One sandboxed worker process and its protocol channel."""

    def __init__(self, runtime: Runtime, limits: Limits, namespaces: bool = True, cpu: int | None = None) -> None:
        self.uid: int | None = UIDS.take() if os.geteuid() == 0 else None
        self.scratch = Path(tempfile.mkdtemp(prefix="dlcv-work-"))
        config = {"hide": runtime.hide, "expose": runtime.expose, "limits": limits.to_config(), "uid": self.uid,
                  "workdir": str(self.scratch), "namespaces": namespaces, "user_namespace_off": user_namespace_switch(),
                  "cpu": cpu}
        self.process: WorkerProcess | None
        try:
            self.process = runtime.start_worker(config, self.scratch)
        except BaseException:
            self.process = None
            self.close()
            raise
        self._to_worker, self._from_worker = self.process.to_worker, self.process.from_worker
        self.warm = self.process.warm
        os.set_blocking(self._to_worker, False)  # a worker that stops reading must not block the grader
        try:
            hello = self._receive(time.monotonic() + 30)
        except (protocol.WorkerTimeout, protocol.WorkerGone, protocol.ProtocolError) as error:
            self.close()
            raise WorkerError(f"the sandboxed worker did not start ({type(error).__name__})") from None
        self.protections: dict[str, Any] = hello.get("hello", {})
        if runtime.grader_undumpable and isinstance(self.protections, dict):
            self.protections = {**self.protections, "grader_not_dumpable": True}

    def _receive(self, deadline: float) -> dict[str, Any]:
        return protocol.read_frame(self._from_worker, deadline)

    def request(self, message: dict[str, Any], seconds: float,
                on_callback: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> dict[str, Any]:
        """Send ``message`` and wait up to ``seconds`` in all for the reply.

        While waiting, the worker may ask for values of callbacks (``{"callback": i, "args": ...}``):
        ``on_callback(frame)`` answers each with a frame to send back.

        Raises
        ------
        protocol.WorkerTimeout, protocol.WorkerGone, protocol.ProtocolError
        """
        deadline = time.monotonic() + seconds
        self._send(message, deadline)
        while True:
            reply = self._receive(deadline)
            if "callback" not in reply:
                return reply
            if on_callback is None:
                raise protocol.ProtocolError("unexpected callback")
            self._send(on_callback(reply), deadline)

    def _send(self, message: dict[str, Any], deadline: float) -> None:
        try:
            protocol.write_frame(self._to_worker, message, deadline)
        except (BrokenPipeError, ConnectionError):
            raise protocol.WorkerGone() from None

    def close(self) -> None:
        """Kill the worker, everything it started, and remove its scratch folder."""
        if self.process is not None:
            self.process.kill()
        if self.uid is not None:
            kill_uid(self.uid)
            UIDS.give_back(self.uid)
            self.uid = None
        shutil.rmtree(self.scratch, ignore_errors=True)
