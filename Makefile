# The two commands: `make run` (app with demo data, worker, scheduler) and `make test`.
# `make run DEMO=0` starts empty (then `make admin USER=you` creates the first admin).
PYTHON ?= python3
DEMO ?= 1
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint format bench clean lock admin manage

# Installs exactly the tested stack: every package pinned with its hashes in the lock
# (`make lock` refreshes it from pyproject.toml; see docs/operations.md, "Upgrades").
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DEMO=$(DEMO) $(PY) -m mops.launch run

# A second shell beside `make run`: `make manage ARGS="create_api_token admin"` (or the
# `.venv/bin/mops create_api_token admin` command) reaches the servers `make run` started.
manage: $(STAMP)
	$(PY) -m mops.launch manage $(ARGS)

admin: $(STAMP)
	$(PY) -m mops.launch admin $(USER)

test: $(STAMP)
	$(PY) -m mops.launch test $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

bench: $(STAMP)
	for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 --quiet

lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -o requirements-dev.lock

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache
