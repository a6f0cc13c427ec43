.DEFAULT_GOAL := help
SERVER ?= incidents
UV ?= uv

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

.PHONY: install
install: ## Install the project and its dev tools into .venv (bytecode compiled: starts 2 s faster)
	$(UV) sync --frozen --compile-bytecode

.PHONY: demo
demo: ## Run a scripted session against the offline sandbox
	$(UV) run python -m pagerduty_mcp.demo

.PHONY: test
test: ## Run the in-process tests: no server or other process, no slow suite (~1 min on 2 cores)
	$(UV) run pytest -m "not subprocess and not slow" -q

.PHONY: test-all
test-all: ## Run the whole test suite, as CI does (uv run pytest; ~3.5 min on 2 cores)
	$(UV) run pytest

.PHONY: test-coverage
test-coverage: ## Run the tests with a coverage report
	$(UV) run pytest --cov=pagerduty_mcp --cov-report=term-missing

.PHONY: lint
lint: ## Lint, check formatting, types and the import floors
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy pagerduty_mcp
	$(UV) run lint-imports

.PHONY: format
format: ## Format and autofix
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

.PHONY: check
check: ## The fast gate that mirrors CI: lint, types, import floors, docs drift, unit and contract tests
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy pagerduty_mcp
	$(UV) run lint-imports
	$(UV) run python -m pagerduty_mcp.catalog --check
	$(UV) run pytest -m "unit or contract" -q

.PHONY: docs
docs: ## Regenerate docs/tools.md and pagerduty_mcp/tool_schemas.json from the live tool lists
	$(UV) run python -m pagerduty_mcp.catalog

.PHONY: snapshots
snapshots: ## Accept the current tool surface as the new snapshot (review the diff!)
	UPDATE_SNAPSHOTS=1 $(UV) run pytest tests/servers/test_tool_surface.py -q

.PHONY: screenshots
screenshots: ## Redraw docs/apps/*.png: every app in headless chromium on the sandbox (the apps' tests)
	UPDATE_SCREENSHOTS=1 $(UV) run pytest -q -p no:randomly $(sort $(wildcard tests/servers/*/test_*_app.py))

# The Inspector command; `make debug INSPECTOR=echo` prints the server command instead of opening it.
INSPECTOR ?= npx -y @modelcontextprotocol/inspector
ARGS ?=
PROJECT_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

# Exits 0 when the server would find a PagerDuty credential (environment, or .env as the server reads
# it), 1 when it would not, 2 when the settings are wrong.
define HAS_PAGERDUTY_CREDENTIAL
import os, sys
from pagerduty_mcp.common import Settings, load_dotenv_file
load_dotenv_file()
try:
    found = Settings.from_env().credential is not None or bool(os.environ.get("PAGERDUTY_OAUTH_CLIENT_ID"))
except ValueError as exc:
    print(f"make debug: {exc}", file=sys.stderr)
    sys.exit(2)
sys.exit(0 if found else 1)
endef
export HAS_PAGERDUTY_CREDENTIAL

.PHONY: debug
debug: ## Open the MCP Inspector: sandbox without a credential, else your account (SERVER=people ARGS=...)
	@cd $(PROJECT_DIR) && $(UV) run python -c "$$HAS_PAGERDUTY_CREDENTIAL"; found=$$?; \
	if [ $$found -eq 0 ]; then \
		echo "make debug: PagerDuty credential found: pagerduty-$(SERVER) on your real PagerDuty account"; mode=""; \
	elif [ $$found -eq 1 ]; then \
		echo "make debug: no PagerDuty credential (environment or .env): pagerduty-$(SERVER) on the offline sandbox"; \
		mode="--sandbox"; \
	else \
		exit $$found; \
	fi; \
	$(INSPECTOR) $(UV) run --directory $(PROJECT_DIR) pagerduty-$(SERVER) $$mode $(ARGS)

.PHONY: sandbox
sandbox: ## Serve the offline PagerDuty account over HTTPS on port 8443
	$(UV) run python -m pagerduty_mcp.sandbox --port 8443

.PHONY: conformance
conformance: ## Run the official MCP conformance suite's server scenarios against the sandbox (needs npm once)
	$(UV) run python -m conformance

.PHONY: bench
bench: ## Measure tool-definition sizes and latencies; writes bench/results.json
	$(UV) run python -m bench
