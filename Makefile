# mesh-kit — run `make` for the list of targets.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help
# The deploy steps depend on each other's order, never on parallelism.
.NOTPARALLEL:

# Where to deploy. Empty CONTEXT = the local kind cluster `mesh-kit`; REGISTRY and TAG name the
# images ($(REGISTRY)/<service>:$(TAG); without TAG each service's tag hashes its own inputs);
# DEPLOY_WITH=helm applies charts/mesh-kit instead of dist/manifests. See "Beyond kind" in
# docs/operations.md. The traffic targets (canary, promote, rollback, mirror, chaos) keep the tags
# the cluster runs: they change traffic, never code.
REGISTRY ?=
TAG ?=
CONTEXT ?=
DEPLOY_WITH ?= manifests
export REGISTRY TAG CONTEXT DEPLOY_WITH ADDONS SUB SERVICE NAME SCOPES

# `##@ <group>` starts a group; `<target>: ## <what it does> [<VARIABLES it reads>]` documents a
# target. `make help` prints them (scripts/make-help.awk), `npm run generate` renders the docs'
# target lists from them, and test/make.test.ts checks that each variable named is read by the
# target's recipe or the scripts it runs.

##@ develop

.PHONY: help
help: ## List the targets by group, each with the variables it reads
	@awk -f scripts/make-help.awk $(MAKEFILE_LIST)

.PHONY: install
install: ## Install the npm workspaces from the lockfile
	npm ci

.PHONY: build
build: ## Compile every workspace (tsc -b) and bundle the browser shop (vite build)
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

.PHONY: generate
generate: ## Render everything generated: the chart, diagram, dashboard, CRD types, bench table and docs' generated blocks
	npm run generate

.PHONY: chart
chart: ## Regenerate the Helm chart in charts/mesh-kit from the cdk8s app
	npm run chart

##@ cluster

.PHONY: tools
tools: ## Install the pinned kind, kubectl, helm and istioctl into ./bin (checksums checked)
	scripts/tools.sh

.PHONY: cluster
cluster: ## Create the kind cluster from kind-config.yaml (skipped with CONTEXT=...) [CONTEXT]
	scripts/cluster.sh

.PHONY: istio
istio: ## Install Istio with CNI and the mesh config in mesh/istio/ (skipped when present) [CONTEXT ISTIO_REINSTALL]
	scripts/istio.sh

.PHONY: addons
addons: ## Install Prometheus, Jaeger, Kiali and Grafana from the pinned Istio release [ADDONS]
	scripts/addons.sh

##@ images

.PHONY: images
images: ## Build each service's image under a tag of its own inputs (multi-arch and pushed when REGISTRY is set) [REGISTRY TAG NODE_IMAGE]
	scripts/images.sh

.PHONY: load
load: ## Load the local images into the kind node (skipped when pushed) [REGISTRY]
	scripts/load.sh

##@ deploy

.PHONY: secrets
secrets: ## Generate database and broker credentials and the JWT key once under .secrets/ [SECRETS_DIR]
	scripts/secrets.sh

.PHONY: synth
synth: ## Synthesize the manifests into dist/manifests/ for REGISTRY and TAG [REGISTRY TAG TAGS_FROM SECRETS_DIR]
	scripts/synth.sh

.PHONY: deploy
deploy: tools cluster istio addons images load secrets synth ## tools cluster istio addons images load secrets synth, then apply and wait [CONTEXT REGISTRY TAG DEPLOY_WITH ADDONS]
	scripts/apply.sh

##@ observe

.PHONY: port-forward
port-forward: ## Forward localhost:8080 (HTTP) and localhost:8443 (HTTPS) to the ingress gateway [CONTEXT]
	scripts/port-forward.sh

.PHONY: kiali
kiali: ## Open Kiali on localhost:20001
	scripts/dashboard.sh kiali

.PHONY: jaeger
jaeger: ## Open Jaeger on localhost:16686
	scripts/dashboard.sh jaeger

.PHONY: grafana
grafana: ## Open Grafana on localhost:3000 (the shop dashboard: folder mesh-kit)
	scripts/dashboard.sh grafana

.PHONY: prometheus
prometheus: ## Open Prometheus on localhost:9090
	scripts/dashboard.sh prometheus

.PHONY: status
status: ## Show pods, sidecars, mTLS mode and the gateway [CONTEXT]
	scripts/status.sh

.PHONY: logs
logs: ## Follow the shop's logs (SERVICE=<name> for one service) [SERVICE]
	scripts/logs.sh

.PHONY: verify
verify: ## Prove the mesh promises on the live cluster (NAMESPACE=<the shop's namespace>, ONLY=<check ids>) [CONTEXT NAMESPACE ONLY]
	scripts/verify.sh $(if $(NAMESPACE),--namespace '$(NAMESPACE)') $(if $(ONLY),--only '$(ONLY)')

##@ access

.PHONY: token
token: ## Print a dev JWT for curl (SUB=<user id>) [SUB]
	@scripts/token.sh

.PHONY: apikey
apikey: ## Create an API key and print it once (NAME=<client> SCOPES=stats:read[,...]) [NAME SCOPES APIKEYS_DATABASE_URL]
	@scripts/apikey.sh create

.PHONY: apikey-revoke
apikey-revoke: ## Revoke a client's API key at once, without a redeploy (NAME=<client>) [NAME APIKEYS_DATABASE_URL]
	@scripts/apikey.sh revoke

##@ traffic

.PHONY: canary
canary: ## Send WEIGHT percent (0-100) of SERVICE's traffic to its v2; x-canary: always pins v2 [SERVICE WEIGHT DEPLOY_WITH]
	scripts/traffic.sh canary "$(SERVICE)" "$(WEIGHT)"
	TAGS_FROM=cluster scripts/synth.sh
	scripts/apply.sh

.PHONY: promote
promote: ## Make SERVICE's v2 its only version (after a canary) [SERVICE]
	scripts/traffic.sh promote "$(SERVICE)"
	TAGS_FROM=cluster scripts/synth.sh
	scripts/apply.sh

.PHONY: rollback
rollback: ## Send all of SERVICE's traffic back to v1 and remove its v2 [SERVICE]
	scripts/traffic.sh rollback "$(SERVICE)"
	TAGS_FROM=cluster scripts/synth.sh
	scripts/apply.sh

.PHONY: mirror
mirror: ## Copy PERCENT of SERVICE's requests to its v2, answers discarded (0 stops) [SERVICE PERCENT]
	scripts/traffic.sh mirror "$(SERVICE)" "$(PERCENT)"
	TAGS_FROM=cluster scripts/synth.sh
	scripts/apply.sh

.PHONY: chaos
chaos: ## Switch on the catalog's fault scenario SCENARIO (make chaos-off ends it) [SCENARIO]
	scripts/traffic.sh chaos "$(SCENARIO)"
	TAGS_FROM=cluster scripts/synth.sh
	scripts/apply.sh

.PHONY: chaos-off
chaos-off: ## Switch off the fault scenario
	scripts/traffic.sh chaos-off
	TAGS_FROM=cluster scripts/synth.sh
	scripts/apply.sh

##@ remove

.PHONY: undeploy
undeploy: ## Delete everything labelled app.kubernetes.io/part-of=mesh-kit [CONTEXT]
	scripts/undeploy.sh

.PHONY: clean
clean: ## Delete the kind cluster [CONTEXT]
	scripts/clean.sh
