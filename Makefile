# dlcv-labs — `make demo` shows the whole pipeline, `make test` runs the test suite, `make docs` serves the
# documentation (docs/, mkdocs.yml) at http://127.0.0.1:8000. All create .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test build check-build bench docs lint hooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/dlcv build --force
	$(BIN)/dlcv grade examples/submissions --out grading --force
	@echo
	@cat grading/gradebook.csv

test: $(STAMP)
	$(BIN)/python -m pytest

build: $(STAMP)
	$(BIN)/dlcv build

check-build: $(STAMP)
	$(BIN)/dlcv build --check

bench: $(STAMP)
	$(BIN)/python benchmarks/grade_throughput.py

docs: $(STAMP)
	$(BIN)/mkdocs serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

hooks: $(STAMP)
	$(BIN)/pre-commit install

clean:
	rm -rf $(VENV) grading site .pytest_cache
