# presswatch — two commands do everything on a fresh machine with Python 3.11:
#   make demo   create .venv, install, load the bundled sample, enrich it, write a report
#   make test   create .venv if needed, lint (ruff), run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PW     := $(VENV)/bin/presswatch
STAMP  := $(VENV)/.installed
SPARK  := $(VENV)/.spark
DB     ?= data/presswatch.duckdb

.PHONY: demo test bench sample clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "need Python 3.11 (python3.11 or python3 on PATH)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PW) --db $(DB) load data/sample/inputs
	$(PW) --db $(DB) enrich
	$(PW) --db $(DB) info
	$(PW) --db $(DB) report --latest --out reports/

# The tests also run the Spark engine in local mode (tests/test_spark.py): pyspark is an
# optional extra, installed for the tests only (~490 MB; the demo does not need it).
$(SPARK): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,spark]'
	touch $(SPARK)

test: $(SPARK)
	$(PY) -m ruff check analysis tests bench
	sh tests/install_chromium.sh
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: $(STAMP)
	$(PY) -m bench

sample: $(STAMP)
	$(PY) -m bench.pagegen --sample --corpus ../shared/corpus --out data/sample/inputs

clean:
	rm -rf $(VENV) $(DB) $(DB).wal reports/*/ reports/index.html .pytest_cache
