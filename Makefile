# Every target creates .venv and installs what it needs: a fresh machine needs only python3 and make.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test bench lint venv clean migration events-doc

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/yingji demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -ra $(PYTEST_ARGS)

# docs/events.md from the event catalogues (the suite fails when it is stale)
events-doc: $(STAMP)
	$(BIN)/python -m web.events_doc

bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# A new Alembic revision from the models (developers only): make migration m="what changed"
migration: $(STAMP)
	$(BIN)/yingji db revision -m "$(m)"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
