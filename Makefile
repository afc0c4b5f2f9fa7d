# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test test-sqlite test-postgres lint setup system-deps-run system-deps-test screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

system-deps-run:
	scripts/system-deps.sh run

system-deps-test:
	scripts/system-deps.sh test

## Start eingang with embedded defaults: SQLite + in-process workers, web, SMTP, scan folder.
run: $(STAMP) system-deps-run
	$(BIN)/eingang db upgrade
	$(BIN)/eingang serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## The whole suite: lint, then SQLite and the production path (PostgreSQL + RabbitMQ).
## Tests run in TEST_WORKERS processes; a module whose fixtures outlive one test (a server, a
## browser) stays on one worker (tests/conftest.py groups it), every other test goes where free.
TEST_WORKERS ?= 2
test: $(STAMP) system-deps-test lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup

## Refresh the README's screenshots in docs/screenshots/ (other runs write to build/screenshots/).
screenshots: $(STAMP) system-deps-test
	EINGANG_UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_web_e2e.py tests/test_web_screens.py

clean:
	rm -rf $(VENV) data
