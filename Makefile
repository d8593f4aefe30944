# Two commands work on a fresh machine: `make demo` and `make test`. Everything installs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev
# The project directory (Pulumi.yaml, __main__.py, Pulumi.<stack>.yaml), like `pulumi --cwd`.
PROJECT ?= .

LOCALSTACK := localstack/localstack.sh

.PHONY: install node-deps browser demo preview up down outputs postman localstack localstack-stop test lint house bench bench-localstack bench-transfer bench-load bench-crash bench-peer mutate dist clean

# The venv from the pinned requirements, and the `s3proxy` command (the client's CLI) in it.
install: $(VENV)/.installed $(BIN)/s3proxy

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(BIN)/s3proxy: tooling/s3proxy $(VENV)/.installed
	cp tooling/s3proxy $@

# newman and aws4fetch, pinned by package-lock.json, into node_modules/ (ignored by git).
node-deps: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@command -v npm > /dev/null || { apt-get update && apt-get install -y --no-install-recommends nodejs npm; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium and its WebDriver for the browser app's tests (CI runs as root on a fresh machine).
browser:
	@command -v chromium > /dev/null && command -v chromedriver > /dev/null || \
		{ apt-get update && apt-get install -y chromium chromium-driver; }

# `pulumi preview --diff`: the plan against the stack's recorded LocalStack state (+ ~ +- - per
# resource), or what would be created when it was never deployed; under the SDK's mock runtime.
preview: install
	$(BIN)/python -m tooling.preview --stack $(STACK) --cwd $(PROJECT)

# LocalStack on this host (no Docker): its own venv (Python >= 3.13) from a pinned lock, pid and log in .local/.
localstack:
	$(LOCALSTACK) start

localstack-stop:
	$(LOCALSTACK) stop

# `pulumi up` / `pulumi destroy` of the unchanged program into LocalStack, without the Pulumi CLI.
# `up` ends with a summary (URL, API id, routes); PROJECT=dir deploys dir's program with its own virtualenv's
# packages, its state under dir. The outputs are kept in $(PROJECT)/.local/$(STACK)/outputs.json (secrets masked)
# for `make outputs`, `make postman` and the `s3proxy` command.
# SKIP_UNSUPPORTED=1 deploys without the resource types LocalStack cannot hold (listed as skipped).
OUTPUTS ?= $(PROJECT)/.local/$(STACK)/outputs.json
COLLECTION ?= .local/$(STACK)/s3proxy.postman_collection.json

up: install localstack
	@mkdir -p $(dir $(OUTPUTS))
	@$(BIN)/python -m tooling.deploy up --stack $(STACK) --cwd $(PROJECT) $(if $(SKIP_UNSUPPORTED),--skip-unsupported) > $(OUTPUTS).new
	@mv $(OUTPUTS).new $(OUTPUTS)
	@$(BIN)/python -m tooling.outputs --stack $(STACK) --outputs $(OUTPUTS) --summary

# The deployed stack's outputs as JSON, like `pulumi stack output --json`.
outputs: install
	@$(BIN)/python -m tooling.outputs --stack $(STACK) --outputs $(OUTPUTS)

down: install
	@$(BIN)/python -m tooling.deploy down --stack $(STACK) --cwd $(PROJECT)
	@rm -f $(OUTPUTS)

# A Postman v2.1 collection of the stack (deployed by `make up`, or OUTPUTS=file from `pulumi stack output --json`).
postman: install
	$(BIN)/python -m s3proxy_client postman --outputs $(OUTPUTS) -o $(COLLECTION)

# The main job: LocalStack + deploy the dev stack (`make up`: its outputs kept) + the seed walkthrough over signed HTTP.
demo: up
	@$(BIN)/python -m tooling.demo --stack $(STACK)
	@echo "Next: 'make outputs', 'make postman', '.venv/bin/s3proxy ls'. LocalStack keeps running: 'make down' deletes the stack, 'make localstack-stop' stops it."

test: install node-deps browser
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy provider/__main__.py  # a second `__main__` module: checked on its own

# What makes the code hard to change: import circles among components/, tooling/ and s3proxy_client/, the largest
# modules (over 500 lines flagged) and the functions over 60 lines outside tests, each with its reason from the one
# list in tooling/house.py. Exits 1 when anything is over its limit without a reason.
house: install
	$(BIN)/python -m tooling.house

# Mutation testing (mutmut) of components/ and s3proxy_client/, each against its offline tests; slow, so not
# part of `make test`: prints each package's score and its surviving mutants (see docs/mutation.md).
mutate: install node-deps
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-mutate.txt
	$(BIN)/python -m tooling.mutate $(MUTATE_ARGS)

bench: install
	$(BIN)/python benchmarks/program.py

bench-localstack: install
	$(BIN)/python benchmarks/localstack.py

bench-transfer: install
	$(BIN)/python benchmarks/transfer.py

# Both wheels, `pulumi-s3proxy` and `s3proxy-client`, built from this checkout's packages (packaging/*/pyproject.toml).
DIST ?= dist
dist: install
	rm -rf $(DIST)
	$(BIN)/python -m build --wheel --outdir $(DIST) packaging/pulumi-s3proxy
	$(BIN)/python -m build --wheel --outdir $(DIST) packaging/s3proxy-client

bench-load: install
	$(BIN)/python benchmarks/load.py

bench-crash: install
	$(BIN)/python benchmarks/crash.py

# Signed GETs of 1 KiB and 1 MiB through the dev stack and through the AWS tutorial's API shape (built from the
# seed text in ../shared/seeds/) on the same LocalStack: p50 latency, throughput and the ratio to the tutorial's.
bench-peer: install
	$(BIN)/python benchmarks/peer.py $(PEER_ARGS)

clean:
	rm -rf $(VENV) dist .pytest_cache .mypy_cache .ruff_cache .mutate
