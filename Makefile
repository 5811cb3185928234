# Pulpo's developer entry points. Every target installs what it needs first.
#   make demo       compile the Pokemon example, serve it on the embedded database, drive the pipeline
#   make test-all   every test phase, in the testing strategy's order (unit → CLI → generation →
#                   Docker → end-to-end), after lint, with integration (Pulpo's modules against
#                   real servers, which unit tests never start) between generation and Docker:
#                   lint → unit → cli → generation → integration → docker → e2e → reliability
#   make bench      compile, flow-run, image-build and test-phase timings, printed as tables

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST := $(BIN)/python -m pytest

.PHONY: setup docker-engine demo test-unit test-cli test-generation test-integration test-e2e \
	test-docker test-reliability test-all lint typecheck bench clean

# Says what it installs and for how long; pip's output only when pip fails.
$(INSTALLED): pyproject.toml scripts/setup_venv.py
	$(PYTHON) scripts/setup_venv.py --venv $(VENV)
	touch $(INSTALLED)

setup: $(INSTALLED)

demo: setup
	$(BIN)/python scripts/demo.py

# Starts no servers (tests/unit/conftest.py fails a test that does).
test-unit: setup
	$(PYTEST) -m unit tests/unit

test-cli: setup
	$(PYTEST) -m cli tests/cli

test-generation: setup
	$(PYTEST) -m generation tests/generation

# Pulpo's own modules against real servers: a MongoDB-wire server, started as `pulpo serve` would.
test-integration: setup
	$(PYTEST) -m integration tests/integration

test-e2e: setup
	$(PYTEST) -m e2e tests/e2e

# Hostile input, outages and lost writes (the Docker stack's too); prints a table: cases
# tried, failures, writes acknowledged, writes found.
test-reliability: docker-engine
	$(PYTEST) -m reliability tests/reliability

# ruff, then mypy --strict on the package ([tool.mypy] in pyproject.toml; Pulpo ships py.typed).
lint: setup
	$(BIN)/ruff check pulpo tests scripts examples/pokemon/pokemon examples/receipts/kkt_adapter
	$(BIN)/ruff format --check pulpo tests scripts examples/pokemon/pokemon examples/receipts/kkt_adapter
	$(BIN)/mypy --strict pulpo

typecheck: setup
	$(BIN)/mypy --strict pulpo

# Real containers of the generated stack; installs and starts the engine when missing.
docker-engine: setup
	bash scripts/install_docker.sh

test-docker: docker-engine
	bash scripts/run_docker_tests.sh --example pokemon
	bash scripts/run_docker_tests.sh --example receipts

test-all: lint test-unit test-cli test-generation test-integration test-docker test-e2e test-reliability

bench: docker-engine
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_flows.py
	$(BIN)/python scripts/bench_docker.py
	$(BIN)/python scripts/bench_phases.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache examples/pokemon/generated examples/pokemon/.pulpo
