"""Messages between the trusted grader and the sandboxed worker: length-prefixed JSON frames.

Values travel in a small tagged JSON format. Arrays are raw bytes of a whitelisted numeric dtype; nothing is ever
pickled. The encoder keeps exact types only (an ndarray subclass or a float subclass is sent as "unsupported"),
and the decoder checks every field, so a worker that lies can only produce wrong numbers, never objects.
"""

import base64
import json
import os
import select
import struct
import time

import numpy as np

MAX_FRAME_BYTES = 64 * 2**20
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
    """A reference to a test function of ``testfns`` with parameters, sent instead of a callable."""

    def __init__(self, name, **params):
        self.name = name
        self.params = params

    def __repr__(self):
        return f"FnRef({self.name!r})"


# ---------------------------------------------------------------------------------------------- framing


def write_frame(fd, message):
    """Send one JSON message on file descriptor ``fd``."""
    data = json.dumps(message, separators=(",", ":"), allow_nan=True).encode("utf-8")
    if len(data) > MAX_FRAME_BYTES:
        raise ProtocolError(f"message of {len(data)} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")
    payload = memoryview(_HEADER.pack(len(data)) + data)
    while payload:
        written = os.write(fd, payload)
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


def encode(value, depth=0):
    """Plain-data form of ``value``. Exact types only; anything else becomes ``{"__unsupported__": type}``."""
    if depth > MAX_DEPTH:
        return {"__unsupported__": "structure nested too deeply"}
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if kind is list:
        return [encode(item, depth + 1) for item in value]
    if kind is tuple:
        return {"__tuple__": [encode(item, depth + 1) for item in value]}
    if kind is dict:
        return {"__dict__": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if kind is np.ndarray and value.dtype.str in ALLOWED_DTYPES:
        return {"__ndarray__": [value.dtype.str, list(value.shape), _b64(np.ascontiguousarray(value).tobytes())]}
    if isinstance(value, np.generic) and kind.__module__ == "numpy" and value.dtype.str in ALLOWED_DTYPES:
        return {"__scalar__": [value.dtype.str, _b64(value.tobytes())]}
    if isinstance(value, FnRef):
        return {"__fn__": [value.name, encode(value.params, depth + 1)]}
    if kind is np.ndarray:
        return {"__unsupported__": f"ndarray of dtype {value.dtype}"}
    return {"__unsupported__": f"{kind.__module__}.{kind.__qualname__}"[:120]}


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
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count * dtype.itemsize != len(data):
        raise ProtocolError("array data does not match its shape and dtype")
    array = np.frombuffer(data, dtype=dtype).reshape(tuple(shape)).copy()
    return array[()] if scalar else array


def decode(obj, resolve_fn=None, depth=0):
    """Python value of a plain-data form produced by :func:`encode`, checked field by field.

    Parameters
    ----------
    obj : JSON value
    resolve_fn : callable, optional
        Turns ``(name, params)`` into a callable; only the worker passes one. Without it a function
        reference is a protocol error.
    """
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if type(obj) is list:
        return [decode(item, resolve_fn, depth + 1) for item in obj]
    if type(obj) is not dict or len(obj) != 1:
        raise ProtocolError("malformed value")
    (tag, fields), = obj.items()
    if tag == "__tuple__" and type(fields) is list:
        return tuple(decode(item, resolve_fn, depth + 1) for item in fields)
    if tag == "__dict__" and type(fields) is list:
        result = {}
        for pair in fields:
            if type(pair) is not list or len(pair) != 2:
                raise ProtocolError("malformed dict entry")
            key = decode(pair[0], resolve_fn, depth + 1)
            if type(key) not in (str, int, float, bool, type(None)):
                raise ProtocolError("dict keys must be plain scalars")
            result[key] = decode(pair[1], resolve_fn, depth + 1)
        return result
    if tag == "__ndarray__":
        return _decode_array(fields, scalar=False)
    if tag == "__scalar__":
        return _decode_array(fields, scalar=True)
    if tag == "__unsupported__" and type(fields) is str:
        return Unsupported(fields[:120])
    if tag == "__fn__" and resolve_fn is not None and type(fields) is list and len(fields) == 2:
        params = decode(fields[1], resolve_fn, depth + 1)
        if type(fields[0]) is not str or type(params) is not dict:
            raise ProtocolError("malformed function reference")
        return resolve_fn(fields[0], params)
    raise ProtocolError(f"unknown or malformed tag {tag!r}")
