# Two entry points: `make demo` (set up, load the sample catalog, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
# `make demo PORT=5050` serves elsewhere than the default 5000.
PORT ?= 5000
HOST ?= 127.0.0.1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test lint typecheck contracts unit bench bench-ingest bench-curation bench-season bench-media bench-web bench-workers clean samples translations

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first, pinned: an unpinned one pulls a multi-GB CUDA build.
	$(PIP) install -q -c constraints.txt torch==2.13.0
	$(PIP) install -q -c constraints.txt -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP)
	$(BIN)/anthologie init-db
	# No embedding job queued by the import: the embed step below does it here and now.
	ANTHOLOGIE_EMBED_NEW_FILMS=false $(BIN)/anthologie ingest samples/catalog.csv
	$(BIN)/anthologie funding import samples/telefilm_funding.csv
	$(BIN)/anthologie stand-ins
	$(BIN)/anthologie analyze
	$(BIN)/anthologie embed --threads 2
	$(BIN)/anthologie propose --facet subject --slot 44 > /dev/null
	$(BIN)/anthologie propose --facet region --slot 22 > /dev/null
	$(BIN)/anthologie demo-accounts
	$(BIN)/anthologie serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck contracts unit

bench: bench-ingest bench-curation bench-season bench-media bench-web bench-workers

bench-ingest: $(STAMP)
	$(BIN)/python bench/ingest.py

bench-curation: $(STAMP)
	$(PIP) install -q -c constraints.txt -e '.[bench]'
	$(BIN)/python bench/curation.py

bench-season: $(STAMP)
	$(BIN)/python bench/season.py

bench-media: $(STAMP)
	$(PIP) install -q -c constraints.txt -e '.[bench]'
	$(BIN)/python bench/media.py

bench-web: $(STAMP)
	$(PIP) install -q -c constraints.txt -e '.[bench]'
	$(BIN)/python bench/web.py

# Analysis of 40 films with 1 and with 2 worker processes, side by side.
bench-workers: $(STAMP)
	$(BIN)/python bench/workers.py

samples: $(STAMP)
	$(BIN)/python samples/build_samples.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache

# Extract the interface's strings, merge them into the English catalog, compile it.
# New strings then need their English text in web/translations/en/LC_MESSAGES/messages.po.
translations: $(STAMP)
	$(BIN)/pybabel extract -F web/babel.cfg -k _l -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations -l en --width 100
	$(BIN)/pybabel compile -d web/translations
