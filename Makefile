# audience: two commands on a fresh machine.
#   make run    install everything, generate the demo data if missing, dbt build the whole project,
#               publish the tested result to the serving database (warehouse/serving.duckdb),
#               write the report and the declared audiences' export files (exports/)
#   make test   install what is missing, lint (ruff, sqlfluff) and run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_CUSTOMERS ?= 100000
BENCH_CUSTOMERS ?= 1000000
BENCH_WAREHOUSE ?= $(CURDIR)/warehouse/audience.duckdb
BENCH_TARGET ?= $(CURDIR)/target
DEMO_DIR := $(CURDIR)/data/demo
DBT := $(BIN)/dbt
DBT_FLAGS := --project-dir $(CURDIR) --profiles-dir $(CURDIR)/profiles

.PHONY: install run demo-data build publish summary report export report-screenshot chromium test lint lint-sources unit mutations bench bench-segments bench-clv bench-propensity bench-threads bench-publish bench-report lock clean

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

# AS_OF=YYYY-MM-DD builds as of that date (var audience__as_of_date), e.g. for a backtest.
build: install
	$(DBT) build $(DBT_FLAGS) $(if $(AS_OF),--vars '{audience__as_of_date: "$(AS_OF)"}')

# Copy the last successful build's public tables into the serving database that BI tools read
# (and a Parquet copy), swapped in atomically; refused if any model or test failed.
publish: install
	$(BIN)/audience publish --project-dir $(CURDIR)

summary: install
	@$(BIN)/audience summary

# The offline HTML report (reports/audience_report.html) of the charts, from the serving
# database when there is one, else the build warehouse.
report: install
	$(BIN)/audience report

# The README's screenshot of the report (docs/images/report.png), from the current build.
report-screenshot: install chromium
	$(BIN)/audience report --screenshot docs/images/report.png

# Headless Chromium for the report's browser test and screenshot: Debian's package, installed
# when missing and apt-get can run (as root, or with password-less sudo); otherwise the test
# is skipped and says why.
chromium:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then :; \
	elif ! command -v apt-get >/dev/null; then echo "chromium: no apt-get here, install Chromium yourself (the browser test is skipped without it)"; \
	else SUDO=$$( [ "$$(id -u)" = 0 ] || echo "sudo -n" ); \
		echo "installing Debian's chromium (for the report's browser test)"; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
		|| { $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
		|| echo "chromium: could not be installed (the browser test is skipped without it)"; fi

run: demo-data build publish summary report export

# The declared audiences' files for their destinations (exports/<audience>/, each with a
# manifest); customers who refused marketing consent are in none. AUDIENCE_EXPORT_FLAGS adds
# options, e.g. --suppressions do_not_contact.csv, or --require-consent (unknown consent left out).
export: install
	$(BIN)/audience export $(AUDIENCE_EXPORT_FLAGS)

# The sources: Python (ruff) and the SQL we write (sqlfluff, dbt templater).
lint-sources: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models python_models tests --disable-progress-bar

# The sources, and the SQL the macros generate from model state, which exists only once a build
# has run: the compiled models of a build on a small generated data set, linted (a few minutes).
lint: lint-sources
	$(BIN)/python -m pytest -q tests/python/test_compiled_sql.py

# pytest runs the package tests and builds the dbt project on small generated data sets of its
# own (it never touches warehouse/ or data/).
unit: install chromium
	$(BIN)/python -m pytest

# The whole suite includes the compiled-SQL lint of `make lint`, on the build it shares.
test: lint-sources unit

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

# One boosting fit with every core and with one thread while other processes keep the CPUs busy
# (what AUDIENCE_CPU_THREADS=1 buys on a shared machine).
bench-threads: install
	$(BIN)/python benchmarks/bench_threads.py --busy 3

# Publishing benchmark on a finished build (default: this project's; BENCH_WAREHOUSE=...
# BENCH_TARGET=... for another): publish with the Parquet copy, without it, and a plain file copy
# of the build warehouse as the baseline.
bench-publish: install
	$(BIN)/python benchmarks/bench_publish.py --warehouse $(BENCH_WAREHOUSE) --target $(BENCH_TARGET)

# Report render time and file size on the current build (make run first), and the time
# headless Chromium takes to open it, beside an empty page.
bench-report: install chromium
	$(BIN)/python benchmarks/bench_report.py

lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^audience' \
		| sed '1i # Exact versions every install uses (make install). Regenerate with: make lock' \
		> requirements.lock

clean:
	rm -rf target logs warehouse/*.duckdb warehouse/*.wal warehouse/*_parquet warehouse/.*.publish-lock data reports exports
