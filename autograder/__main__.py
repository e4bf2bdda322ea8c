"""``python -m autograder`` is the ``dlcv`` command."""

import sys

from .cli import main

sys.exit(main())
