# The two commands of the README, plus the simulator on its own.
#   make test        ruff + Odoo-free tests + the Odoo suites of every source in ODOO_SOURCES
#   make demo        simulator + licence server + an Odoo database with a connected instance
#   make simulator   the Mirakl simulator alone, with its seeded shops
VENV ?= .venv
PY := $(VENV)/bin/python
ODOO_SOURCES ?=
export ODOO_SOURCES

.PHONY: test demo simulator benchmark clean

$(VENV)/.installed: requirements.txt requirements-test.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

test: $(VENV)/.installed
	$(PY) devtools/run_tests.py

demo: $(VENV)/.installed
	$(PY) devtools/demo.py

simulator: $(VENV)/.installed
	PYTHONPATH=devtools $(PY) -m mirakl_simulator --seed

benchmark: $(VENV)/.installed
	$(PY) tests/benchmarks/bench_client.py

clean:
	rm -rf $(VENV) .local .pytest_cache .ruff_cache
