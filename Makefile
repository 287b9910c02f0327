# The two commands of the README:
#   make run    install what is needed, start chain + contracts + backend + sync + sample data
#   make test   install what is needed (test tools included) and run the whole suite
# Everything installs into the project (.venv, node_modules) from PyPI, npm and Debian.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_PY := $(VENV)/.installed
STAMP_NODE := node_modules/.installed

.PHONY: run test test-postgres install lint typecheck pytest pytest-postgres browser clean

run: install
	$(BIN)/ocoptrace run

test: install browser lint typecheck pytest pytest-postgres

install: $(STAMP_PY) $(STAMP_NODE)

$(STAMP_PY): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(STAMP_NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Headless Chromium for the page tests, from Debian (never a browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the page tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npx solhint 'contracts/solidity/**/*.sol'

typecheck: install
	$(BIN)/mypy contracts epcis chain_sync backend qr verifier seeds

# pytest exits 5 when it collected no test: that is a failure here, not green.
PYTEST = $(BIN)/pytest -q -p no:cacheprovider
NO_TESTS_IS_FAILURE = status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$status

pytest: install
	$(PYTEST); $(NO_TESTS_IS_FAILURE)

# Every test that touches SQL again, each on a fresh PostgreSQL database built by the
# migrations (PostgreSQL on 127.0.0.1:5432, user postgres, trust auth, database test).
# tests/contracts and tests/epcis use no database, so they run once, above.
pytest-postgres: install
	OCOPTRACE_TEST_DATABASE=postgresql $(PYTEST) tests/backend tests/chain_sync \
	  tests/seeds tests/verifier tests/qr tests/pages; $(NO_TESTS_IS_FAILURE)

# The whole suite on PostgreSQL, database-free tests included.
test-postgres: install
	OCOPTRACE_TEST_DATABASE=postgresql $(PYTEST); $(NO_TESTS_IS_FAILURE)

clean:
	rm -rf $(VENV) node_modules build var .mypy_cache .ruff_cache
