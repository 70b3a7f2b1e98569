# Common tasks. `make demo` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WORKSPACE ?= gpqi-workspace

.PHONY: install demo test test-fast test-spark-cluster lint format bench screenshots mutate clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: $(wildcard package.json package-lock.json)
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; fi
	mkdir -p node_modules && touch $@

install: $(BIN)/.installed node_modules/.installed  ## Python venv and front-end packages
	@if [ -x $(BIN)/gpqi ] && $(BIN)/gpqi --help | grep -q ' assets '; then $(BIN)/gpqi assets; fi

demo: install  ## build the demo programme and serve the dashboard
	$(BIN)/gpqi demo --workspace $(WORKSPACE)

test: install  ## every test: unit, spec (DuckDB + Spark), web (SQLite + PostgreSQL), browser
	./scripts/run-tests.sh

test-fast: install  ## tests without Spark, browser or PostgreSQL
	$(BIN)/pytest -m "not spark and not browser and not postgres and not slow" -q

test-spark-cluster: install  ## the spec suite on a local Spark standalone cluster (a master and two workers)
	@master=$$(./scripts/spark-cluster.sh start) && echo "spark cluster: $$master" && \
	GPQI_TEST_SPARK_MASTER=$$master $(BIN)/pytest -q -m spark tests/spec; \
	rc=$$?; ./scripts/spark-cluster.sh stop; exit $$rc

lint: install
	$(BIN)/ruff check gpqi tests
	$(BIN)/ruff format --check gpqi tests
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix gpqi tests
	$(BIN)/ruff format gpqi tests

screenshots: install  ## refresh the committed page screenshots (test-artifacts/screenshots/layout-*.png)
	$(BIN)/pytest -q -m browser tests/web/test_layout.py
	cp test-artifacts/screenshots/latest/layout-*.png test-artifacts/screenshots/

mutate: install  ## mutation testing (mutmut; [tool.mutmut] in pyproject.toml; not in `make test`; docs/testing.md)
	nice $(BIN)/mutmut run $(MUTANTS)
	$(BIN)/mutmut results

bench: install  ## speed and memory report (see docs/benchmarks.md)
	$(BIN)/gpqi bench --patients $${PATIENTS:-100000}

clean:
	rm -rf $(VENV) node_modules .pytest_cache build *.egg-info
