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
test: ## Run the whole test suite (what CI runs)
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
docs: ## Regenerate docs/tools.md from the live tool lists
	$(UV) run python -m pagerduty_mcp.catalog

.PHONY: snapshots
snapshots: ## Accept the current tool surface as the new snapshot (review the diff!)
	UPDATE_SNAPSHOTS=1 $(UV) run pytest tests/servers/test_tool_surface.py -q

.PHONY: debug
debug: ## Open the MCP Inspector on a server over the sandbox: make debug SERVER=people
	npx -y @modelcontextprotocol/inspector $(UV) run --directory $(CURDIR) pagerduty-$(SERVER) --sandbox --enable-write-tools

.PHONY: sandbox
sandbox: ## Serve the offline PagerDuty account over HTTPS on port 8443
	$(UV) run python -m pagerduty_mcp.sandbox --port 8443

.PHONY: bench
bench: ## Measure tool-definition sizes and latencies; writes bench/results.json
	$(UV) run python -m bench
