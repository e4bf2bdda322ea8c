"""The worker's serve loop: define the student's code, then answer the grader's calls, one frame at a time.

Requests (from the trusted grader): ``{"op": "load", "cells": [[number, source], ...]}`` executes the notebook's
definitions; ``{"op": "call", "name", "args", "kwargs", "return_arguments"}`` calls one student function (with
``return_arguments`` the reply also holds the arguments as the call left them, for state updated in place);
``{"op": "bye"}`` ends the loop. While a call runs, the worker may send ``{"callback": i, "args": ...}`` to ask the
grader for a value of callback ``i`` and waits for its answer.
"""

import ast
import os
import traceback

import numpy as np

from . import protocol
from .deferred import BUILTINS, deferred_imports


def _student_traceback(error, limit=4):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<cell ")]
    return "".join(traceback.format_list(frames[-limit:]))[-2000:]


def _describe_exception(error):
    try:
        message = str(error)
    except BaseException:  # noqa: BLE001 - a rigged __str__ cannot take the worker down
        message = "<unprintable>"
    return f"{type(error).__name__}: {message}"[:1000]


def _load(namespace, cells):
    errors = []
    for index, source in cells:
        try:
            filename = f"<cell {index}>"
            tree = ast.parse(source, filename)
            tree.body = deferred_imports(tree.body)
            exec(compile(ast.fix_missing_locations(tree), filename, "exec"), namespace)  # noqa: S102 - in the sandbox
        except BaseException as error:  # noqa: BLE001 - student code may raise anything, even SystemExit
            errors.append({"cell": index, "error": _describe_exception(error), "traceback": _student_traceback(error)})
    defined = sorted(name for name, value in namespace.items() if not name.startswith("__") and callable(value))
    return {"ok": True, "errors": errors, "defined": defined}


class _RemoteFunction:
    """A hidden test's function, evaluated by the trusted grader: each call sends the arguments and waits."""

    __slots__ = ("_index", "_channel")

    def __init__(self, index, channel):
        self._index, self._channel = index, channel

    def __call__(self, *args):
        read_fd, write_fd = self._channel
        protocol.write_frame(write_fd, {"callback": self._index, "args": protocol.encode(list(args))})
        reply = protocol.read_frame(read_fd)
        if "error" in reply:
            raise ValueError(f"the test function could not be evaluated: {reply['error']}")
        return protocol.decode(reply.get("value"))

    def __repr__(self):
        return "<test function>"


def _call(namespace, message, channel):
    fn = namespace.get(message["name"])
    if not callable(fn):
        return {"ok": False, "kind": "missing"}
    args = protocol.decode(message["args"], lambda index: _RemoteFunction(index, channel))
    kwargs = protocol.decode(message["kwargs"], lambda index: _RemoteFunction(index, channel))
    try:
        value = fn(*args, **kwargs)
        reply = {"ok": True, "value": protocol.encode(value)}
        if message.get("return_arguments"):
            reply["args"], reply["kwargs"] = protocol.encode(args), protocol.encode(kwargs)
        return reply
    except BaseException as error:  # noqa: BLE001
        kind = "not_implemented" if isinstance(error, NotImplementedError) else "exception"
        return {"ok": False, "kind": kind, "error": _describe_exception(error),
                "traceback": _student_traceback(error)}


def serve(read_fd, write_fd, active):
    """Say hello (with the ``active`` protections), then answer requests until ``bye`` or a closed channel."""
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, **BUILTINS}
    protocol.write_frame(write_fd, {"ok": True, "hello": active, "pid": os.getpid()})
    while True:
        try:
            message = protocol.read_frame(read_fd)
        except protocol.WorkerGone:
            return
        op = message.get("op")
        if op == "load":
            reply = _load(namespace, message["cells"])
        elif op == "call":
            reply = _call(namespace, message, (read_fd, write_fd))
        elif op == "bye":
            return
        else:
            reply = {"ok": False, "kind": "protocol", "error": f"unknown op {op!r}"}
        np.seterr(all="ignore")
        try:
            protocol.write_frame(write_fd, reply)
        except (protocol.ProtocolError, RecursionError, ValueError, TypeError) as error:
            protocol.write_frame(write_fd, {"ok": False, "kind": "exception",
                                            "error": f"the result cannot be sent back ({_describe_exception(error)})"})
