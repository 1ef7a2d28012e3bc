# The two set-up commands of the README: `make demo` and `make test`.
# Each creates the virtual environment in .venv if needed and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test bench install clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "exactassign needs Python >= 3.11"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e '.[test]'
	@touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/exactassign reproduce --all

test: install
	$(PY) -m pytest

$(VENV)/.bench: $(VENV)/.installed
	$(PIP) install -e '.[test,bench]'
	@touch $@

bench: $(VENV)/.bench
	$(PY) benchmarks/run.py
	$(PY) benchmarks/bench_properties.py
	$(PY) benchmarks/bench_btm.py
	$(PY) benchmarks/bench_house.py
	$(PY) benchmarks/bench_lp.py
	$(PY) benchmarks/bench_search.py
	$(PY) benchmarks/bench_hz.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
