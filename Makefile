# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test env test-deps clean

demo: env
	$(BIN)/voc demo

test: env test-deps
	$(BIN)/python -m pytest

env: $(STAMP)

# Re-install only when the lock or the project metadata changes.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Headless Chromium from Debian for the browser test (Playwright drives it; no browser download).
test-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) data/voc.duckdb data/.voc.work.duckdb data/voc.taxonomy.jsonl
