"""Entry point of the sandboxed worker: lock the process down (:mod:`.lockdown`), then serve (:mod:`.serve`).

Started as ``python -I -B -c <boot> RUNTIME_DIR CONFIG_JSON`` with the protocol on stdin/stdout. Its first message
reports which protections are active.
"""

import json
import os

import numpy as np

from .lockdown import boot
from .serve import serve


def main(config_json):
    config = json.loads(config_json)
    np.seterr(all="ignore")
    read_fd, write_fd, active = boot(config)
    serve(read_fd, write_fd, active)
    os._exit(0)
