# The two Quickstart commands (`make demo`, `make test`) and their helpers.
# Each creates .venv if missing and installs the pinned requirements first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test crawl bench lint clean browse

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .  # registers the Datasette plugin (entry point)
	touch $@

setup: $(STAMP)  ## create .venv and install everything

demo: setup  ## harvest the bundled replica site into data/demo.sqlite3 and summarise
	$(BIN)/python -m crawler.demo --db data/demo.sqlite3

test: setup  ## the whole test suite (warnings are errors)
	$(BIN)/python -m pytest -n auto --dist loadfile

crawl: setup  ## harvest the live sites into HARVEST_DB_URL (default data/harvest.sqlite3)
	$(BIN)/scrapy crawl xcgb_epaper
	$(BIN)/scrapy crawl xcgb_news

bench: setup  ## every benchmark, written to bench/RESULTS.md (takes several minutes)
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python -m bench.all

browse: setup  ## open the archive (ARCHIVE=data/demo.sqlite3) in Datasette, with this project's plugin
	$(BIN)/datasette $(or $(ARCHIVE),data/demo.sqlite3) --open

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:  ## remove the demo database and logs (keeps .venv)
	rm -rf data/demo.sqlite3* data/logs
