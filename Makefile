# Two commands: `make run` serves the product on the embedded database; `make test` checks it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint bench eval seed messages clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[embedded,test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/omnisales serve

# The widget's browser tests drive Debian's chromium through Playwright (never `playwright
# install`, which downloads a browser of its own): installed here when it is missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q --no-install-recommends chromium fonts-liberation; }

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/pytest -q

# The fast lane, to run after every change: the same checks without the tests marked slow
# (fault injection, real processes, load); under a minute on the project's 2-core machine.
# Each file's tests stay on one worker: they write the same collections, so the worker's demo
# shop (tests/shop_pool.py) has less to put back between them.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/pytest -q -m "not slow" -n 2 --dist loadfile -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python -m bench

# After changing an offline reply: gather the strings marked `_()` into the catalogues of
# `graph/locale/`, then translate the new entries (tests/test_i18n.py fails while one is missing).
messages: $(STAMP)
	mkdir -p graph/locale
	$(BIN)/pybabel extract --no-location --sort-output --project=OmniSales --copyright-holder=OmniSales -o graph/locale/messages.pot graph tools channels
	for lang in es fr de hi; do \
	  if [ -f graph/locale/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching --omit-header -i graph/locale/messages.pot -d graph/locale -l $$lang; \
	  else $(BIN)/pybabel init -i graph/locale/messages.pot -d graph/locale -l $$lang; fi; \
	done

# The conversation suite, offline on a fresh demo shop: fails below 95% of turns or 85% in any
# category. `python -m evals --model scripted` runs the model-dependent part with a scripted model.
eval: $(STAMP)
	$(BIN)/python -m evals

seed: $(STAMP)
	$(BIN)/omnisales seed

clean:
	rm -rf $(VENV) .data .mypy_cache .pytest_cache .ruff_cache
