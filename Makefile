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

# Two workers, one per core: the judgement's measurements (tests marked with the
# xdist group "judgement") run on one while the rest of the suite runs on the other.
test: install-test
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# Every benchmark prints its figures even when an earlier one misses its target;
# the exit status still says whether any did.
bench: install-test
	@status=0; for b in scoring_throughput salesforce_calls mailchimp_calls cli_startup; do \
	    echo "$(BIN)/python bench/$$b.py"; $(BIN)/python bench/$$b.py || status=1; \
	done; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache
