"""Marks every test of a lab with the lab's marker (``pytest -m lab04`` runs all of Lab 4): the tests under
``tests/labs/NN_name/`` and, elsewhere, each parametrized case whose id names the lab."""

import pytest

from lab_tables import LAB_IDS, marker


def pytest_collection_modifyitems(config, items):
    for item in items:
        for lab in LAB_IDS:
            if lab in item.nodeid:
                item.add_marker(getattr(pytest.mark, marker(lab)))
