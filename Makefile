# Set-up and start, and the tests. `make run` / `make run ARGS=--demo` / `make test`.
# The test suite runs on PostgreSQL with:
#   CRM_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test make test

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHROMIUM := /usr/bin/chromium
PRISM := .tools/node_modules/.bin/prism
PRISM_VERSION := 5
ARGS ?=
PYTEST_ARGS ?=
# pytest-xdist: one worker per core (each with its own database); a module-scoped fixture
# that must not start twice groups its tests with `xdist_group`. PYTEST_XDIST= runs in one process.
PYTEST_XDIST ?= -n auto --dist loadgroup

.PHONY: run test chromium prism clean-venv

# Stamps: reinstall only when pyproject.toml changes, so a second `make` starts at once.
$(VENV)/.stamp-run: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(VENV)/.stamp-run $@

run: $(VENV)/.stamp-run
	$(PY) main.py $(ARGS)

# Debian's Chromium for the browser tests (Playwright cannot download its own browsers here).
chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "$(CHROMIUM) is missing and we are not root: browser tests will be skipped" \
			"(install it with: sudo apt-get install chromium)"; \
	fi

# Prism serves Twilio's OpenAPI document for the contract test.
$(PRISM):
	@if command -v npm >/dev/null; then \
		npm install --prefix .tools --no-audit --no-fund --loglevel=error @stoplight/prism-cli@$(PRISM_VERSION); \
	else \
		echo "npm is missing: the Twilio contract test will be skipped"; \
	fi

prism: $(PRISM)

test: $(VENV)/.stamp-test chromium prism
	$(VENV)/bin/pytest -q $(PYTEST_XDIST) $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)
