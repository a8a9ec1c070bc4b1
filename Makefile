# The two commands of the README. Both work on a fresh machine.
PYTHON ?= python3

.PHONY: run test

run:
	$(PYTHON) -m pip install -q -r requirements.txt
	$(PYTHON) -m streamlit run app.py

test:
	$(PYTHON) -m pip install -q -r requirements-dev.txt
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	$(PYTHON) -m pytest
