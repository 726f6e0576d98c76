# Entry points: `make run` (demo pipeline + report) and `make test` (whole suite);
# `make test-fast` is the everyday subset. Each target builds the project's virtual
# environment from requirements.lock first.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
CORES ?= all
TCGA_DIR ?= ../shared/data/tcga
export PATH := $(BIN):$(PATH)
# Snakemake prints each finished job's rule and the share of steps done, not every job's
# inputs and outputs; a failing job's message (the cohort, file and column, or its
# traceback) still shows. VERBOSE=1 prints every job as it starts, with its log file.
SNAKEMAKE_OUTPUT := $(if $(VERBOSE),--show-failed-logs,--quiet rules host)
FAILED = { echo "$@: a job failed, see its message above; each job logs to logs/<rule>/ in the results folder, and VERBOSE=1 names every job's log"; exit 1; }

.PHONY: run test test-fast check-lock tcga bench lint env clean

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

run: $(STAMP)
	snakemake --cores $(CORES) $(SNAKEMAKE_OUTPUT) || $(FAILED)
	snakemake --cores $(CORES) $(SNAKEMAKE_OUTPUT) --report results/report.html

TCGA_CONFIG = --configfile config/tcga.yaml --config 'data_dirs={"tcga": "$(abspath $(TCGA_DIR))"}'

tcga: $(STAMP)
	snakemake --cores $(CORES) $(SNAKEMAKE_OUTPUT) $(TCGA_CONFIG) || $(FAILED)
	snakemake --cores $(CORES) $(SNAKEMAKE_OUTPUT) $(TCGA_CONFIG) --report results/tcga/report.html
	python -m markersurv.reporting.findings results/tcga config/tcga.yaml > docs/findings.md

test: $(STAMP)
	pytest

# Everyday subset: unit, statistics and property tests, without the slow and end-to-end ones.
test-fast: $(STAMP)
	pytest -m "not slow and not e2e" tests/unit tests/stats tests/property

# Needs the package index: the lock resolves for every Python pyproject admits.
check-lock: $(STAMP)
	python tools/check_lock.py

lint: $(STAMP)
	ruff check .
	ruff format --check .
	mypy
	snakefmt --check Snakefile workflow/rules
	snakemake --lint --cores 1

bench: $(STAMP)
	python benchmarks/bench_harmonize.py
	python benchmarks/bench_cox.py
	python benchmarks/bench_maxstat.py

clean:
	rm -rf results logs .snakemake
