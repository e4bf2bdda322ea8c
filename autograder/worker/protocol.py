"""Messages between the trusted grader and the sandboxed worker: length-prefixed JSON frames.

Values travel in a small tagged JSON format. Arrays are raw bytes of a whitelisted numeric dtype; nothing is ever
pickled. The encoder keeps exact types only (an ndarray subclass or a float subclass is sent as "unsupported"),
and the decoder checks every field, so a worker that lies can only produce wrong numbers, never objects.
"""

import base64
import json
import math
import os
import select
import struct
import time

import numpy as np

from . import callbacks

MAX_FRAME_BYTES = 16 * 2**20  # bounds the trusted grader's memory per reply (JSON inflates)
MAX_ITEMS = 100_000  # plain values in one message; arrays count once (their bytes are bounded by the frame)
MAX_DEPTH = 16
_HEADER = struct.Struct(">I")
# Fixed-size numeric dtypes only: no object, string or void arrays ever cross the boundary.
ALLOWED_DTYPES = frozenset(
    np.dtype(name).str
    for name in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "float16", "float32", "float64", "complex64", "complex128")
)


class ProtocolError(ValueError):
    """A frame or value that does not follow the protocol."""


class WorkerTimeout(TimeoutError):
    """The worker sent nothing before the deadline."""


class WorkerGone(EOFError):
    """The worker closed its end: it exited or was killed."""


class Unsupported:
    """Stands for a value the worker could not send as plain data (its type name is all that is known)."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return f"<{self.type_name} object>"


class FnRef:
    """A callback (function or object of ``callbacks``) with its parameters, sent instead of a callable.

    On the wire a function is only a number (``{"__fn__": i}``: the worker calls back to evaluate it); an object
    listed in ``callbacks.BUILT_IN_WORKER`` travels with its parameters (``{"__obj__": [name, params]}``).
    """

    def __init__(self, name, **params):
        self.name = name
        self.params = params

    def __repr__(self):
        return f"FnRef({self.name!r})"


# ---------------------------------------------------------------------------------------------- framing


def write_frame(fd, message, deadline=None):
    """Send one JSON message on file descriptor ``fd``.

    With a ``deadline`` (``time.monotonic()`` seconds) ``fd`` must be non-blocking: a peer that stops reading
    then raises :class:`WorkerTimeout` instead of blocking the sender forever.
    """
    data = json.dumps(message, separators=(",", ":"), allow_nan=True).encode("utf-8")
    if len(data) > MAX_FRAME_BYTES:
        raise ProtocolError(f"message of {len(data)} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")
    payload = memoryview(_HEADER.pack(len(data)) + data)
    while payload:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [fd], [], left)[1]:
                raise WorkerTimeout()
        try:
            written = os.write(fd, payload)
        except BlockingIOError:
            continue
        payload = payload[written:]


def _read_exact(fd, size, deadline):
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerTimeout()
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise WorkerTimeout()
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise WorkerGone()
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd, deadline=None):
    """Receive one JSON message from ``fd``, waiting until ``deadline`` (``time.monotonic()`` seconds) at most."""
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    if size > MAX_FRAME_BYTES:
        raise ProtocolError(f"frame of {size} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")
    try:
        message = json.loads(_read_exact(fd, size, deadline).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        raise ProtocolError(f"frame is not valid JSON ({type(error).__name__})") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    return message


# ---------------------------------------------------------------------------------------------- values


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def encode(value, depth=0, functions=None):
    """Plain-data form of ``value``. Exact types only; anything else becomes ``{"__unsupported__": type}``.

    ``functions``, a list, collects the callbacks (:class:`FnRef`) met on the way; each is sent as its
    index in that list. Without it (in the worker) a FnRef is unsupported like any other object.
    """
    if depth > MAX_DEPTH:
        return {"__unsupported__": "structure nested too deeply"}
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if kind is list:
        return [encode(item, depth + 1, functions) for item in value]
    if kind is tuple:
        return {"__tuple__": [encode(item, depth + 1, functions) for item in value]}
    if kind is dict:
        return {"__dict__": [[encode(k, depth + 1, functions), encode(v, depth + 1, functions)]
                             for k, v in value.items()]}
    if kind is np.ndarray and value.dtype.str in ALLOWED_DTYPES:
        return {"__ndarray__": [value.dtype.str, list(value.shape), _b64(np.ascontiguousarray(value).tobytes())]}
    if isinstance(value, np.generic) and kind.__module__ == "numpy" and value.dtype.str in ALLOWED_DTYPES:
        return {"__scalar__": [value.dtype.str, _b64(value.tobytes())]}
    if kind is FnRef and functions is not None:
        if value.name in callbacks.BUILT_IN_WORKER:
            return {"__obj__": [value.name, encode(value.params, depth + 1)]}
        functions.append(value)
        return {"__fn__": len(functions) - 1}
    if kind is np.ndarray:
        return {"__unsupported__": f"ndarray of dtype {value.dtype}"}
    return {"__unsupported__": f"{kind.__module__}.{kind.__qualname__}"[:120]}


class _Budget:
    """Counts the plain values of one message against MAX_ITEMS."""

    def __init__(self):
        self.left = MAX_ITEMS

    def spend(self):
        self.left -= 1
        if self.left < 0:
            raise ProtocolError(f"more than {MAX_ITEMS} values in one message; return NumPy arrays instead")


def _decode_array(fields, scalar):
    if not isinstance(fields, list) or len(fields) != (2 if scalar else 3):
        raise ProtocolError("malformed array")
    dtype_str = fields[0]
    if not isinstance(dtype_str, str) or dtype_str not in ALLOWED_DTYPES:
        raise ProtocolError(f"dtype {dtype_str!r} is not allowed")
    dtype = np.dtype(dtype_str)
    shape = [] if scalar else fields[1]
    if not isinstance(shape, list) or not all(type(n) is int and 0 <= n for n in shape) or len(shape) > 32:
        raise ProtocolError("malformed array shape")
    data_field = fields[-1]
    if not isinstance(data_field, str):
        raise ProtocolError("malformed array data")
    try:
        data = base64.b64decode(data_field, validate=True)
    except ValueError:
        raise ProtocolError("array data is not base64") from None
    if math.prod(shape) * dtype.itemsize != len(data):  # Python integers: a huge shape cannot wrap around
        raise ProtocolError("array data does not match its shape and dtype")
    array = np.frombuffer(data, dtype=dtype).reshape(tuple(shape)).copy()
    return array[()] if scalar else array


def decode(obj, resolve_fn=None):
    """Python value of a plain-data form produced by :func:`encode`, checked field by field.

    Parameters
    ----------
    obj : JSON value
    resolve_fn : callable, optional
        Turns a function reference (its index) into a callable; only the worker passes one. Without it a
        function or object reference is a protocol error.

    Raises
    ------
    ProtocolError
        For anything malformed, too deep or too large.
    """
    try:
        return _decode(obj, resolve_fn, 0, _Budget())
    except (ValueError, TypeError, OverflowError, MemoryError) as error:  # a crafted value numpy itself rejects
        if isinstance(error, ProtocolError):
            raise
        raise ProtocolError(f"malformed value ({type(error).__name__})") from None


def _decode(obj, resolve_fn, depth, budget):
    budget.spend()
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if type(obj) is list:
        return [_decode(item, resolve_fn, depth + 1, budget) for item in obj]
    if type(obj) is not dict or len(obj) != 1:
        raise ProtocolError("malformed value")
    (tag, fields), = obj.items()
    if tag == "__tuple__" and type(fields) is list:
        return tuple(_decode(item, resolve_fn, depth + 1, budget) for item in fields)
    if tag == "__dict__" and type(fields) is list:
        result = {}
        for pair in fields:
            if type(pair) is not list or len(pair) != 2:
                raise ProtocolError("malformed dict entry")
            key = _decode(pair[0], resolve_fn, depth + 1, budget)
            if type(key) not in (str, int, float, bool, type(None)):
                raise ProtocolError("dict keys must be plain scalars")
            result[key] = _decode(pair[1], resolve_fn, depth + 1, budget)
        return result
    if tag == "__ndarray__":
        return _decode_array(fields, scalar=False)
    if tag == "__scalar__":
        return _decode_array(fields, scalar=True)
    if tag == "__unsupported__" and type(fields) is str:
        return Unsupported(fields[:120])
    if resolve_fn is not None and tag == "__fn__" and type(fields) is int:
        return resolve_fn(fields)
    if resolve_fn is not None and tag == "__obj__" and type(fields) is list and len(fields) == 2:
        params = _decode(fields[1], resolve_fn, depth + 1, budget)
        if fields[0] not in callbacks.BUILT_IN_WORKER or type(params) is not dict:
            raise ProtocolError("malformed object reference")
        return callbacks.make(fields[0], params)
    raise ProtocolError(f"unknown or malformed tag {tag!r}")
