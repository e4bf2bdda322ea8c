"""Marks every test of a lab with the lab's marker (``pytest -m lab04`` runs all of Lab 4): the tests under
``tests/labs/NN_name/`` and, elsewhere, each parametrized case whose id names the lab.

Under pytest-xdist with ``--dist loadgroup`` (``pytest -n 2 --dist loadgroup``), the tests outside ``tests/labs/``
run file by file (their module-scoped fixtures, a built course or a graded corpus, are built once), and the tests
that time things, pin CPUs, start clusters or create users share one group, one after the other on one worker.
"""

import pytest
from lab_contract import parametrize_mistakes
from lab_tables import LAB_IDS, marker

# Files whose tests time themselves, pin CPUs, create users or run whole batches: one group, run one by one.
SERIAL = ("tests/test_rootless.py", "tests/test_browser.py", "tests/test_reliability.py", "tests/test_corpus.py",
          "tests/grader/worker/test_warm_workers.py", "tests/grader/grade/test_cluster.py",
          "tests/grader/grade/test_batch.py", "tests/grader/grade/test_runner.py")


def pytest_collection_modifyitems(config, items):
    xdist = config.pluginmanager.hasplugin("xdist")
    for item in items:
        for lab in LAB_IDS:
            if lab in item.nodeid:
                item.add_marker(getattr(pytest.mark, marker(lab)))
        path = item.nodeid.split("::")[0]
        if xdist and not path.startswith("tests/labs/"):
            item.add_marker(pytest.mark.xdist_group("serial" if path in SERIAL else path))


def pytest_generate_tests(metafunc):
    parametrize_mistakes(metafunc)
