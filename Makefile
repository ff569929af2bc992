# mesh-kit — run `make` for the list of targets.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets with one line each
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: install
install: ## Install the npm workspaces from the lockfile
	npm ci

.PHONY: build
build: ## Compile every workspace (tsc -b)
	npm run build

.PHONY: test
test: ## Run lint, typecheck and the test suite (needs PostgreSQL and NATS, or Docker)
	npm run lint
	npm test

.PHONY: stack
stack: ## Run every service as a local process against local PostgreSQL and NATS
	npm run stack

.PHONY: bench
bench: ## Benchmark the local stack against a bare node:http baseline
	npm run bench
