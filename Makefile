# Two entry points for people: `make run` and `make test`. Both build .venv/ first.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench load clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PY) not found)"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m skill chat

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check skill tests lambda bench
	$(BIN)/mypy
	$(BIN)/cfn-lint template.yaml

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

load: $(STAMP)
	$(BIN)/python -m tests.load

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
