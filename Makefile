# One entry point per job. Nothing needs installing by hand but Python >= 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# make conformance against a vendor: BASE_URL=https://host/v1 OPENAI_API_KEY=... MODEL=...
BASE_URL ?=
MODEL ?=
ARGS ?=
SUITE_OPTS := $(if $(BASE_URL),--base-url=$(BASE_URL)) $(if $(MODEL),--model=$(MODEL))

.PHONY: install conformance test lint bench mutation clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

conformance: $(STAMP)
	@$(BIN)/python -m pytest $(SUITE_OPTS) $(ARGS); status=$$?; \
	echo "reports: reports/report.html, reports/junit.xml, reports/compliance.json"; \
	exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest tests -n 2 $(ARGS)

# Time, requests, completions and overhead of a run (benchmarks/run.py): ~5 min, loopback only.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(ARGS)

# Mutation score of the suite against the reference server (mutation/, cosmic-ray.toml): a
# full campaign runs the suite once per mutant (about an hour here); resumable, ARGS="--file=app.py".
mutation: $(STAMP)
	$(BIN)/python -m mutation $(ARGS)

clean:
	rm -rf $(VENV) reports/*.html reports/*.xml reports/*.json reports/assets
