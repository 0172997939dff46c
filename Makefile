# The two commands of the README: `make demo` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system spark system-spark portal-assets demo test test-fast wheel bench clean

setup: system $(STAMP) portal-assets

system:
	@scripts/install-system-packages.sh

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# The Spark engine (engine = spark): PySpark in the virtualenv and a Java runtime from Debian.
# `make test` installs both so the tests marked spark run; `make demo` needs neither.
SPARK_STAMP := $(VENV)/.installed-spark

spark: system-spark $(SPARK_STAMP)

system-spark:
	@scripts/install-system-packages.sh spark

$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev,spark]'
	@touch $(SPARK_STAMP)

# The portal's front-end libraries (npm ci from package-lock.json, skipped when vendored) and catalogues.
portal-assets: $(STAMP)
	@scripts/vendor-assets.sh
	@$(BIN)/pybabel compile -f -d monitor/translations >/dev/null 2>&1 || $(BIN)/pybabel compile -f -d monitor/translations

demo: setup
	@scripts/demo.sh

# Two pytest-xdist workers (TEST_WORKERS=1 for one process); the Spark tests share one of them.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

test: setup spark
	$(PYTEST)

# Without the tests marked slow (a simulated city, a crawl, a browser, the wheel).
test-fast: setup
	$(PYTEST) -m "not slow"

# The installable wheel in dist/: templates, static files (vendored libraries included) and the
# compiled catalogues travel inside it (tests/test_packaging.py installs and uses one).
wheel: setup
	$(BIN)/python -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation -w dist .

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) instance demo-city .pytest_cache build dist
