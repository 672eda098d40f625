# The two set-up commands: `make run` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY_SRC := pyproject.toml

.PHONY: run test test-sqlite install install-test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps re-run the install whenever pyproject.toml changes.
$(VENV)/.installed: $(BIN)/python $(PY_SRC)
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed $(PY_SRC)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/connector serve

test: install-test
	$(BIN)/python -m pytest

bench: install-test
	$(BIN)/python bench/scoring_throughput.py
	$(BIN)/python bench/salesforce_calls.py
	$(BIN)/python bench/mailchimp_calls.py
	$(BIN)/python bench/cli_startup.py

clean:
	rm -rf $(VENV) .pytest_cache
