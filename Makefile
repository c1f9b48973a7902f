# The front door: `make dev` runs the whole stack locally, `make test` runs every check.
# Both install what they need first, from pinned files, into virtual environments under the repo.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Lambda runtime is python3.13. Use a python3.13 that runs, else pyenv's 3.13.x, so that
# neither we nor `sam build` depend on PYENV_VERSION being set.
PY313 ?= $(shell for p in $$(command -v python3.13 2>/dev/null) $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 2>/dev/null | sort -V -r); do "$$p" -c '' 2>/dev/null && { echo "$$p"; break; }; done)
ifeq ($(PY313),)
$(error python3.13 not found: install Python 3.13 (e.g. `pyenv install 3.13`) or set PY313=/path/to/python3.13)
endif
export PATH := $(dir $(PY313)):$(PATH)
# pyenv's shims consult PYENV_VERSION; make python3.13 resolvable through them too.
export PYENV_VERSION := $(notdir $(patsubst %/bin/,%,$(dir $(PY313)))):$(shell pyenv global 2>/dev/null | head -1)

VENV := .venv
VENV_SAM := .venv-sam
VENV_SCAN := .venv-scan
LAYER_DEPS := .build/layer-deps
PY := $(VENV)/bin/python
SAM := $(VENV_SAM)/bin/sam
PORT ?= 3000
export SAM_CLI_TELEMETRY := 0
# The web app (frontend/): `make dev` serves its build on WEB_PORT, `make web` runs Vite's dev server on VITE_PORT.
FRONTEND := frontend
WEB_PORT ?= 5173
VITE_PORT ?= 5174
HAS_FRONTEND := $(wildcard $(FRONTEND)/package.json)

.PHONY: help install lock dev web web-build web-check node-check browser bench-web screenshots token reindex reconcile search-check test lint typecheck unit integration e2e sam-validate sam-build openapi scan cfn-lint checkov bandit audit smoke diagram bench soak clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements-dev.txt constraints-dev.txt layers/shared/requirements.txt
	$(PY313) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints-dev.txt
	touch $@

$(VENV_SAM)/.installed: requirements-sam.txt constraints-sam.txt
	$(PY313) -m venv $(VENV_SAM)
	$(VENV_SAM)/bin/python -m pip install --quiet --upgrade pip==25.3
	$(VENV_SAM)/bin/python -m pip install --quiet -r requirements-sam.txt -c constraints-sam.txt
	touch $@

$(VENV_SCAN)/.installed: requirements-scan.txt constraints-scan.txt
	$(PY313) -m venv $(VENV_SCAN)
	$(VENV_SCAN)/bin/python -m pip install --quiet --upgrade pip==25.3
	$(VENV_SCAN)/bin/python -m pip install --quiet -r requirements-scan.txt -c constraints-scan.txt
	touch $@

# What the layer puts on /opt/python in Lambda, built for this machine so the local runtime can import it.
$(LAYER_DEPS)/.installed: layers/shared/requirements.txt
	rm -rf $(LAYER_DEPS)
	$(PY313) -m pip install --quiet --target $(LAYER_DEPS) -r layers/shared/requirements.txt
	touch $@

install: $(VENV)/.installed $(VENV_SAM)/.installed $(VENV_SCAN)/.installed $(LAYER_DEPS)/.installed ## Install every environment (idempotent)

lock: install ## After changing a requirements file: re-pin every package the environments hold
	{ echo "# Every package of .venv, pinned (pip freeze); requirements-dev.txt names the direct ones."; $(PY) -m pip freeze; } > constraints-dev.txt
	{ echo "# Every package of .venv-sam, pinned (pip freeze); requirements-sam.txt names the direct one."; $(VENV_SAM)/bin/python -m pip freeze; } > constraints-sam.txt
	{ echo "# Every package of .venv-scan, pinned (pip freeze); requirements-scan.txt names the direct ones."; $(VENV_SCAN)/bin/python -m pip freeze; } > constraints-scan.txt

# `make dev` installs only what the stack runs on: the scanners' venv comes with `make test` and `make scan`.
# Node is checked first: a missing one stops it before minutes of installing.
dev: $(if $(HAS_FRONTEND),node-check) $(VENV)/.installed $(VENV_SAM)/.installed $(LAYER_DEPS)/.installed $(if $(HAS_FRONTEND),$(FRONTEND)/dist/index.html,web-build) ## Build the web app and run the whole stack locally (web app on :$(WEB_PORT), API on :$(PORT), sign-in, DynamoDB, OpenSearch, stream trigger); SEED=0: no demo catalog; VERBOSE=1: raw function logs
	$(PY) -m devstack --port $(PORT) --web-port $(WEB_PORT) --vite-port $(VITE_PORT) $(if $(filter 0 no false,$(SEED)),--no-seed,) $(if $(filter 1 yes true,$(VERBOSE)),--verbose,)

web: node-check $(if $(HAS_FRONTEND),$(FRONTEND)/node_modules/.installed) ## Vite's dev server (hot reload) on :$(VITE_PORT), against the stack `make dev` runs
	cd $(FRONTEND) && VITE_PORT=$(VITE_PORT) SHOP_WEB_URL=http://127.0.0.1:$(WEB_PORT) npm run dev

# Node 20 and npm build the web app; nothing here installs them.
node-check:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { echo "Node.js 20 and npm are required to build the web app ($(FRONTEND)/): install Node.js 20 (it includes npm), then run make again." >&2; exit 1; }
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || { echo "Node.js 20 or later is required to build the web app; found $$(node --version)." >&2; exit 1; }

# npm ci rebuilds node_modules exactly from package-lock.json, whenever the lock or the manifest changes.
$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund
	touch $@

web-build: $(if $(HAS_FRONTEND),node-check $(FRONTEND)/node_modules/.installed) ## Build the web app into frontend/dist
ifneq ($(HAS_FRONTEND),)
	cd $(FRONTEND) && npm run build
else
	@echo "No $(FRONTEND)/package.json: no web app to build."
endif

# What `make dev` serves: rebuilt only when a source of the web app changed since the last build (vite rewrites
# dist/index.html on every build), so that a warm start does not pay for a build it does not need.
WEB_SOURCES := $(if $(HAS_FRONTEND),$(shell find $(FRONTEND)/src $(FRONTEND)/public -type f 2>/dev/null) $(wildcard $(addprefix $(FRONTEND)/,index.html vite.config.ts tsconfig.json package.json .env*)))
$(FRONTEND)/dist/index.html: $(FRONTEND)/node_modules/.installed $(WEB_SOURCES) | node-check
	cd $(FRONTEND) && npm run build
	@touch $@

web-check: $(if $(HAS_FRONTEND),node-check $(FRONTEND)/node_modules/.installed) ## The web app's type check, lint, unit tests, build and bundle-size budget
ifneq ($(HAS_FRONTEND),)
	cd $(FRONTEND) && npm run typecheck && npm run lint && npm test && npm run build && npm run size
else
	@echo "No $(FRONTEND)/package.json: no web app to check."
endif

browser: install web-build ## Browser tests: the built web app in Chromium against a local stack of their own
	$(PY) -m pytest tests/browser

bench-web: install web-build ## The web app's figures in Chromium: first product visible (median of 10 loads), search-as-you-type round trip
	$(PY) -m tests.browser.bench

screenshots: install web-build ## Regenerate docs/screenshots/*.png in Chromium against a fresh local stack
	$(PY) -m tests.browser.screenshots

token: $(VENV)/.installed ## Print a dev token: make -s token USER=alice GROUPS=admin (USER defaults to your login)
	@$(PY) -m devstack.issuer token --user "$(USER)" --groups "$(GROUPS)"

reindex: $(VENV)/.installed ## Rebuild the running local stack's search index from its table, swapping the alias
	$(PY) -m scripts.search_index --local reindex

reconcile: $(VENV)/.installed ## Repair the local search index from the table: IDS="<id> ...", DLQ=1 (dead letters), else all
	$(PY) -m scripts.search_index --local reconcile $(if $(IDS),--ids $(IDS),$(if $(filter 1 yes true,$(DLQ)),--from-dlq IndexerDeadLetterQueue,--all))

search-check: $(VENV)/.installed ## Compare the local search index with the table (exit 1 on any difference)
	$(PY) -m scripts.search_index --local check

lint: $(VENV)/.installed ## ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed ## mypy on the shared code
	$(VENV)/bin/mypy

unit: $(VENV)/.installed ## Unit and handler tests (in-process, moto; no local stack)
	$(PY) -m pytest tests/unit tests/handlers

integration: $(VENV)/.installed ## Indexer and search code against a local OpenSearch-compatible server (osmem-server)
	$(PY) -m pytest tests/integration

e2e: install ## The local runtime and end-to-end HTTP tests (they start local stacks)
	$(PY) -m pytest tests/devstack tests/e2e

sam-validate: $(VENV_SAM)/.installed ## sam validate --lint
	$(SAM) validate --lint

sam-build: $(VENV_SAM)/.installed ## sam build (arm64, no container)
	$(SAM) build

openapi: $(VENV)/.installed ## Regenerate openapi.json from the handlers' own routes
	$(PY) -m scripts.openapi > openapi.json

TEMPLATES := template.yaml $(wildcard pipeline.yaml)
# Checkov must not phone home for its rule guidelines (this machine, and CI, have no way out but registries).
CHECKOV_ENV := BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false

cfn-lint: $(VENV_SCAN)/.installed ## cfn-lint on every CloudFormation template (no errors allowed)
	$(VENV_SCAN)/bin/cfn-lint $(TEMPLATES)

# checkov reads no Fn::ForEach: it scans template.yaml as AWS::LanguageExtensions expands it (written by
# scripts/transform_template.py --expand-only into SAM's working directory). Checks skipped for every function
# are in .checkov.yaml.
checkov: $(VENV_SCAN)/.installed $(VENV_SAM)/.installed ## checkov on every template: zero failed checks (suppressions in the templates and .checkov.yaml)
	@mkdir -p .aws-sam
	$(VENV_SAM)/bin/python scripts/transform_template.py --expand-only > .aws-sam/template.expanded.json
	$(CHECKOV_ENV) $(VENV_SCAN)/bin/checkov --quiet --compact --framework cloudformation --config-file .checkov.yaml \
		-f .aws-sam/template.expanded.json $(addprefix -f ,$(filter-out template.yaml,$(TEMPLATES)))

bandit: $(VENV_SCAN)/.installed ## bandit on the code: no medium or high severity findings
	$(VENV_SCAN)/bin/bandit --quiet --recursive --severity-level medium layers/shared/shop functions scripts devstack

audit: $(VENV_SCAN)/.installed ## pip-audit of every pinned requirements file (AUDIT_STRICT=1: unauditable also fails)
	$(VENV_SCAN)/bin/python scripts/audit_dependencies.py layers/shared/requirements.txt constraints-dev.txt constraints-sam.txt constraints-scan.txt

scan: cfn-lint checkov bandit audit ## Every scanner

diagram: $(VENV)/.installed ## Regenerate docs/architecture{,-detail}.dot from template.yaml (+ pipeline.yaml) and draw them as SVG and PNG (Graphviz)
	tools/diagram/render.sh $(PY) docs

smoke: $(VENV)/.installed ## Smoke-test a deployed API (anonymous calls only): make smoke URL=https://.../v1
	SHOP_API_URL="$(URL)" $(PY) -m pytest tests/smoke/test_deployed_api.py

test: install lint typecheck sam-validate sam-build scan web-check ## Install what is needed and run every check (browser tests on the built web app included)
	$(PY) -m pytest

bench: install sam-build web-build ## Cold starts of the built artifact (bytecode on/off, vs the floor), cost per request, warm latency, search, commerce, order events and storefront page loads
	$(PY) -m scripts.bench

SOAK_MINUTES ?= 5
soak: install ## Mixed traffic from 16 clients for SOAK_MINUTES (5) against a stack of its own (or URL=http://127.0.0.1:3000), then invariants
	$(PY) -m scripts.soak --minutes $(SOAK_MINUTES) $(if $(URL),--url $(URL),)

clean: ## Remove environments and build output
	rm -rf $(VENV) $(VENV_SAM) $(VENV_SCAN) .build .aws-sam .local
