# Two commands work on a fresh machine: `make demo` and `make test`. Everything installs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev

LOCALSTACK := localstack/localstack.sh

.PHONY: install demo preview up down localstack localstack-stop test lint bench bench-localstack bench-transfer mutate clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# What `pulumi preview --stack $(STACK)` would create, run under the Pulumi SDK's mock runtime.
preview: install
	$(BIN)/python -m tooling.preview --stack $(STACK)

# LocalStack on this host (no Docker): its own venv (Python >= 3.13) from a pinned lock, pid and log in .local/.
localstack:
	$(LOCALSTACK) start

localstack-stop:
	$(LOCALSTACK) stop

# `pulumi up` / `pulumi destroy` of the unchanged program into LocalStack, without the Pulumi CLI.
# The last line on stdout is the stack outputs as one JSON object.
up: install localstack
	$(BIN)/python -m tooling.deploy up --stack $(STACK)

down: install
	$(BIN)/python -m tooling.deploy down --stack $(STACK)

# The main job: LocalStack + deploy the dev stack + the seed walkthrough over signed HTTP.
demo: install localstack
	$(BIN)/python -m tooling.deploy up --stack $(STACK) > /dev/null
	$(BIN)/python -m tooling.demo --stack $(STACK)
	@echo "LocalStack keeps running: 'make down' deletes the stack, 'make localstack-stop' stops it."

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy provider/__main__.py  # a second `__main__` module: checked on its own

# Mutation testing (mutmut) of components/ and s3proxy_client/, each against its offline tests; slow, so not
# part of `make test`: prints each package's score and its surviving mutants (see docs/mutation.md).
mutate: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-mutate.txt
	$(BIN)/python -m tooling.mutate $(MUTATE_ARGS)

bench: install
	$(BIN)/python benchmarks/program.py

bench-localstack: install
	$(BIN)/python benchmarks/localstack.py

bench-transfer: install
	$(BIN)/python benchmarks/transfer.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .mutate
