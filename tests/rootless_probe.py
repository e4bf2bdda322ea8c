"""Run probes in sandboxed workers as the grader would, from an unprivileged user (tests/test_rootless.py).

Usage: ``python rootless_probe.py SOURCE [--workers K] [--processes N] [--marker NAME]``. Starts K workers at
once (each with ``processes=N``), defines SOURCE in each, calls ``probe()`` in each in turn while all are alive,
then kills them all. Prints one JSON object: ``values`` (one per worker, decoded), ``protections`` (the first
worker's), and with ``--marker`` how many processes whose name starts with NAME this user could see on the host
before and after the workers were killed.
"""

import argparse
import json
import os
import textwrap
from pathlib import Path

from autograder.sandbox import Limits, Runtime, Worker, paths_to_expose, paths_to_hide
from autograder.worker import protocol


def _count(marker):
    found = 0
    for entry in Path("/proc").iterdir():
        try:
            found += entry.name.isdigit() and (entry / "comm").read_text().startswith(marker)
        except OSError:
            continue
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--processes", type=int, default=64)
    parser.add_argument("--marker")
    parser.add_argument("--hide", action="append", default=[])
    args = parser.parse_args()
    source = textwrap.dedent(Path(args.source).read_text())
    out = {"values": []}
    runtime = Runtime(hide=[*paths_to_hide(os.getcwd(), []), *args.hide], expose=paths_to_expose())
    workers = []
    try:
        limits = Limits(test_seconds=20, processes=args.processes)
        workers = [Worker(runtime, limits) for _ in range(args.workers)]
        for worker in workers:
            reply = worker.request({"op": "load", "cells": [[1, source]]}, 20)
            assert reply["errors"] == [], reply["errors"]
        for worker in workers:
            reply = worker.request({"op": "call", "name": "probe", "args": protocol.encode([]),
                                    "kwargs": protocol.encode({})}, 20)
            out["values"].append(protocol.decode(reply["value"]) if reply.get("ok") else reply)
        out["protections"] = workers[0].protections
        if args.marker:
            out["before_kill"] = _count(args.marker)
    finally:
        for worker in workers:
            worker.close()
        runtime.close()
    if args.marker:
        out["after_kill"] = _count(args.marker)
    print(json.dumps(out, default=repr))


if __name__ == "__main__":
    main()
