# The two commands: `make run` (app with demo data, worker, scheduler) and `make test`.
# `make run DEMO=0` starts empty (then `make admin USER=you` creates the first admin).
PYTHON ?= python3
DEMO ?= 1
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint format bench clean admin

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DEMO=$(DEMO) $(PY) -m mops.launch run

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

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
