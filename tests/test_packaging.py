"""Installing: pyproject.toml and environment.yml ask for the same packages, with the same bounds."""

import re
import sys
import tomllib

import yaml

from helpers import ROOT


def _requirements(lines):
    """Package name (lower case, '-' for '_') -> version bound, from requirement strings. Extras are dropped: conda
    packages have none, and the one we ask for, dask[distributed], is conda-forge's ``dask`` (distributed included)."""
    found = {}
    for line in lines:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[a-z,-]+\])?\s*(.*)", line.strip())
        found[match[1].lower().replace("_", "-")] = match[3].replace(" ", "")
    return found


def test_environment_yml_asks_for_what_pyproject_asks_for():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in environment["dependencies"] if isinstance(d, str) and not d.startswith(("python=", "pip"))]
    [pip] = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    wanted = _requirements(project["dependencies"] + project["optional-dependencies"]["test"])
    torch, otter = wanted.pop("torch"), wanted.pop("otter-grader")
    assert _requirements(conda) == wanted  # conda-forge's names are PyPI's for all of these
    assert f"torch{torch}" in pip and torch == "==2.13.0"  # from pip: the pinned CPU build
    assert f"otter-grader{otter}" in pip  # from pip too, so that otter's dependencies cannot replace that torch
    assert '-e ".[test]"' in pip
    assert environment["channels"] == ["conda-forge"]


def test_the_main_install_brings_jupyterlab_and_what_the_notebooks_import():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    main = _requirements(project["dependencies"])
    imported = set()
    for template in (ROOT / "source").glob("[0-9][0-9]_*.py"):
        imported |= set(re.findall(r"^\s*(?:import|from) (\w+)", template.read_text(), re.MULTILINE))
    distribution = {"sklearn": "scikit-learn", "labkit": None, "IPython": "ipykernel", "mpl_toolkits": "matplotlib"}
    needed = {distribution.get(name, name) for name in imported if name not in sys.stdlib_module_names} - {None}
    assert "jupyterlab" in main and "ipykernel" in main
    assert sorted(needed - set(main)) == []
    assert "torch" not in main and "nbgrader" not in main  # the oracle and the course tools stay in the test extra
