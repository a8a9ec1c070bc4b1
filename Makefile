# The two commands of the README. Both work on a stock Debian or Ubuntu: Python packages go into a
# project-local virtual environment (.venv, git-ignored), never into the system Python (PEP 668).
PYTHON ?= python3
VENV ?= .venv
# Where `make run` listens. Only this machine by default; see the README before serving a team.
ADDRESS ?= 127.0.0.1
PORT ?= 8501
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test check browser java

run: $(VENV)/.runtime
	$(BIN)/python -m streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT)

# Lint, formatting and the layer contracts first (seconds), then the whole suite on both cores.
test: $(VENV)/.dev $(VENV)/.spark browser java
	$(MAKE) --no-print-directory check
	$(BIN)/python -m pytest

check: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "error: '$(PYTHON) -m venv' failed. On Debian or Ubuntu install it with: sudo apt install python3-venv" >&2; \
	  exit 1; }

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

# The Spark build's tests (tests/spark); `make run` never needs pyspark or Java.
$(VENV)/.spark: requirements.txt requirements-spark.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements-spark.txt
	@touch $@

# Spark runs on a Java runtime: Debian's, installed only when no `java` is found.
java:
	@command -v java >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; }

# The browser tests drive Debian's Chromium; Playwright's own browser download is not used.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  { DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium || \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium-browser; }; }
