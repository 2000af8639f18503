# agent-army — see README.md. `make demo` and `make test` are the two commands a new user needs.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CLUSTER := bash test/cluster/cluster.sh
VITEST := npx vitest run
RESULTS := .test-results

.PHONY: help setup deps binaries build generate generate-check lint typecheck test test-unit test-integration \
        cluster-up cluster-down demo bench bench-runtime bench-operator bench-rollback bench-peer bench-readme \
        kind-up kind-down clean dashboard-screenshot

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package-lock.json
	bash test/cluster/npm-install.sh
	@touch $@

deps: node_modules/.package-lock.json

setup: deps binaries ## npm ci, system packages (Prometheus, Lua, Chromium) and the cached cluster binaries
	bash test/cluster/install-deps.sh

binaries: ## Build the cluster binaries once into ~/.cache/agent-army/bin (kept across runs)
	bash test/cluster/build-binaries.sh

build: deps ## Compile the TypeScript workspaces to dist/
	npm run build --workspaces

generate: deps ## Regenerate crds/ and charts/agent-army/crds/ from the zod schemas
	npx tsx operator/scripts/generate-crds.ts

generate-check: deps ## Fail when the committed CRD YAML differs from what `make generate` writes
	npx tsx operator/scripts/generate-crds.ts --check

lint: deps ## Biome lint + format check, the operator's import layers (no cycle, rollout/ never imports controllers/)
	npx biome check .
	npx tsx operator/scripts/check-layers.ts

typecheck: deps ## tsc --noEmit over every workspace, the tests and the benchmarks
	npx tsc -p tsconfig.json

test: setup lint typecheck generate-check test-unit test-integration ## Everything CI runs
	@node test/summarize.mjs $(RESULTS)/unit.json $(RESULTS)/integration.json

test-unit: deps ## Co-located unit tests (no cluster)
	@mkdir -p $(RESULTS)
	$(VITEST) --project unit --reporter=default --reporter=json --outputFile.json=$(RESULTS)/unit.json

test-integration: deps binaries ## Integration and end-to-end tests on the real local cluster
	@mkdir -p $(RESULTS)
	$(VITEST) --project integration --reporter=default --reporter=json --outputFile.json=$(RESULTS)/integration.json

dashboard-screenshot: setup ## Regenerate docs/dashboard.png (taken by the dashboard's browser test)
	DASHBOARD_SCREENSHOT=$(CURDIR)/docs/dashboard.png $(VITEST) --project integration test/dashboard/dashboard.test.ts

cluster-up: binaries ## Start (or reuse) the local control plane with KWOK nodes
	@$(CLUSTER) up >/dev/null
	@echo "cluster up; use it with: eval \"\$$($(CLUSTER) env)\"  (KUBECONFIG and the cached kubectl/helm on PATH)"

cluster-down: ## Stop the local cluster and remove its data
	$(CLUSTER) down

demo: setup ## The end-to-end demo on the local cluster
	npx tsx test/demo/demo.ts

bench: setup bench-peer ## Benchmarks; JSON lands in bench/results/
	npx tsx bench/run.ts

bench-runtime bench-operator bench-rollback: setup ## One benchmark: runtime overhead, operator scale, rollback latency
	npx tsx bench/run.ts $(@:bench-%=%)
bench-operator: bench-peer

bench-peer: ## Build the operator benchmark's peer (Argo Rollouts' controller) once into ~/.cache/agent-army/bin
	bash test/cluster/build-binaries.sh rollouts-controller

bench-readme: deps ## Write the README's benchmark table from bench/results/operator.json
	npx tsx bench/readme.ts

kind-up: ## For users WITH Docker: kind cluster, images, Helm install (cannot run on machines without Docker)
	bash test/cluster/kind-up.sh

kind-down: ## Delete the kind cluster made by kind-up
	kind delete cluster --name agent-army

clean: ## Remove build output and test results (not the binary cache)
	rm -rf operator/dist agent-runtime/dist $(RESULTS)
