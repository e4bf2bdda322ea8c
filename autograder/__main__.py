"""``python -m autograder`` is the ``dlcv`` command."""

import sys

from .cli import main

if __name__ == "__main__":  # guarded: the spawned workers of a LocalCluster import this module
    sys.exit(main())
