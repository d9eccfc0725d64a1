# audience: two commands on a fresh machine.
#   make run    install everything, generate the demo data if missing, dbt build the whole project
#   make test   install what is missing, lint (ruff, sqlfluff) and run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_CUSTOMERS ?= 100000
BENCH_CUSTOMERS ?= 1000000
DEMO_DIR := $(CURDIR)/data/demo
DBT := $(BIN)/dbt
DBT_FLAGS := --project-dir $(CURDIR) --profiles-dir $(CURDIR)/profiles

.PHONY: install run demo-data build summary test lint unit mutations bench bench-segments bench-clv bench-propensity lock clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Demo data is generated only when no data folder of your own is configured.
demo-data: install
ifndef AUDIENCE_DATA_DIR
	@if [ ! -f "$(DEMO_DIR)/order_lines.parquet" ]; then \
		$(BIN)/audience demo-data --customers $(DEMO_CUSTOMERS) --out $(DEMO_DIR); \
	else echo "demo data present in $(DEMO_DIR) (make clean to regenerate)"; fi
endif

build: install
	$(DBT) build $(DBT_FLAGS)

summary: install
	@$(BIN)/audience summary

run: demo-data build summary

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models python_models tests --disable-progress-bar

# pytest runs the package tests and builds the dbt project on small generated data sets of its
# own (it never touches warehouse/ or data/).
unit: install
	$(BIN)/python -m pytest

test: lint unit

# Deliberate bugs (tests/mutations/mutations.py) applied one at a time to a copy of the project:
# each must make the tests meant to catch it fail. Slow (a build per mutation); not part of test.
mutations: install
	$(BIN)/python tests/mutations/run.py

# Feature-layer benchmark at 1M customers: wall time and peak memory, dbt vs a pandas baseline.
bench: install
	$(BIN)/python benchmarks/bench_features.py --customers $(BENCH_CUSTOMERS)

# Segmentation benchmark at 1M customers: training (k sweep) + SQL assignment, beside a plain
# scikit-learn KMeans on all rows.
bench-segments: install
	$(BIN)/python benchmarks/bench_segmentation.py --customers $(BENCH_CUSTOMERS)

# Lifetime-value benchmark at 1M customers: BG/NBD + Gamma-Gamma fits and scoring.
bench-clv: install
	$(BIN)/python benchmarks/bench_clv.py --customers $(BENCH_CUSTOMERS)

# Propensity benchmark at 1M customers: training + scoring of the shipped customer predictions
# (churn_90d, purchase_30d), beside one default HistGradientBoosting fit on a 100,000-row sample.
bench-propensity: install
	$(BIN)/python benchmarks/bench_propensity.py --customers $(BENCH_CUSTOMERS)

lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^audience' \
		| sed '1i # Exact versions every install uses (make install). Regenerate with: make lock' \
		> requirements.lock

clean:
	rm -rf target logs warehouse/*.duckdb warehouse/*.wal data
