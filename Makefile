# Entry points: `make run` (demo pipeline + report) and `make test` (whole suite).
# Each target builds the project's virtual environment from requirements.lock first.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
CORES ?= all
TCGA_DIR ?= ../shared/data/tcga
export PATH := $(BIN):$(PATH)

.PHONY: run test tcga bench lint env clean

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

run: $(STAMP)
	snakemake --cores $(CORES)
	snakemake --cores $(CORES) --report results/report.html

TCGA_CONFIG = --configfile config/tcga.yaml --config 'data_dirs={"tcga": "$(abspath $(TCGA_DIR))"}'

tcga: $(STAMP)
	snakemake --cores $(CORES) $(TCGA_CONFIG)
	snakemake --cores $(CORES) $(TCGA_CONFIG) --report results/tcga/report.html
	python -m markersurv.reporting.findings results/tcga > docs/findings.md

test: $(STAMP)
	pytest

lint: $(STAMP)
	ruff check .
	ruff format --check .
	mypy
	snakefmt --check Snakefile workflow/rules
	snakemake --lint --cores 1

bench: $(STAMP)
	python benchmarks/bench_harmonize.py
	python benchmarks/bench_cox.py

clean:
	rm -rf results logs .snakemake
