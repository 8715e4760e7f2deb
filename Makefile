# presswatch — two commands do everything on a fresh machine with Python 3.11:
#   make demo   create .venv, install, load the bundled sample, enrich it, write a report
#   make test   create .venv if needed, run the whole test suite
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PW     := $(VENV)/bin/presswatch
STAMP  := $(VENV)/.installed
DB     ?= data/presswatch.duckdb

.PHONY: demo test bench sample clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (or run: make PYTHON=python3 ...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PW) --db $(DB) load data/sample/inputs
	$(PW) --db $(DB) enrich
	$(PW) --db $(DB) info

test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: $(STAMP)
	$(PY) -m bench

sample: $(STAMP)
	$(PY) -m analysis.pagegen --sample --corpus ../shared/corpus --out data/sample/inputs

clean:
	rm -rf $(VENV) $(DB) $(DB).wal reports/*/ .pytest_cache
