# osops.lifecycle - test harness.
#
#   make setup          system packages + .venv (idempotent, fast when done)
#   make test           setup, then every tier below in order; runs them all,
#                       prints a summary, exits non-zero if any tier failed
#   make unit           pytest tests/unit
#   make sanity         ansible-test sanity (python 3.11, --venv, offline pip bootstrap)
#   make lint           ansible-lint --profile production (offline)
#   make changelog-lint antsibull-changelog lint + changelog.yaml check
#   make build-check    ansible-galaxy build + tarball hygiene + install + ansible-doc
#   make integration    pytest tests/integration
#   make lab            pytest -m lab tests/integration/lab (the real OpenStack lab)
#   make lab-up RELEASE=2025.1, lab-down, lab-status, lab-reset, lab-install,
#   lab-deps, lab-bench  the lab by hand (docs/lab.md)
#   bench-discovery     discovery on the lab as it is and at 5,000 seeded computes, vs openstackclient
#   bench-check         playbooks/check.yml vs the real nova-status (both on a lab that is up;
#                       OSOPS_LAB_NET/OSOPS_LAB_HOME pick the lab; docs/discovery.md, docs/checks.md)
#   bench-planner       the upgrade planner at 10,000 hosts: time and memory (no lab; docs/upgrades.md)
#   bench-upgrade       a whole-lab upgrade 2025.1 -> 2026.1: wall vs the driver's work, API probe (docs/upgrades.md)
#                       (CONTROLLERS=2: on the HA lab, each API drained in HAProxy; docs/reliability.md)
#   bench-maintenance-planner  the maintenance planner at 10,000 hosts and 200,000 instances
#                       (no lab; docs/maintenance.md)
#   bench-maintenance   a maintenance session on the lab: wall vs the migrations' own durations, parallel and one by one
#                       (three computes; docs/maintenance.md)
#   make demo           setup, then tests/tools/demo.sh when it exists
#   make ee             the execution environment image (ee/build.sh; docs/execution-environment.md)
#   make lab-selftest   the lab's own nova upgrade and a fresh lab at the target; make lab-extra: scenarios
#                       the test command's others cover (the venv driver's alone, the compute modules' alone)
#   make molecule       the Molecule scenarios (extensions/molecule) against the lab that is up
#                       (SCENARIO=check|discover|maintenance|upgrade for one; TARGET=2026.1)
#
# See docs/testing.md for what each tier proves and how long it takes.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Interpreter the virtualenv is created from (python 3.11 is the target).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# Debian packages the tiers need: git (ansible-test file listing, ansible-lint),
# rsync (ansible-test copy), shellcheck (sanity test "shellcheck", otherwise
# skipped with only a warning), python3-venv (venv + ensurepip for .venv and
# for ansible-test's sanity venvs).
# postgresql: the state store's tests start a real server (OSOPS_REQUIRE_POSTGRES
# below makes them fail, not skip, when it is missing).
# The rest: the lab (tests/lab; the same list as `labctl deps`); influxdb is the
# storage v2 of the lab's cloudkitty option, run by the lab itself (not as a service);
# chromium and its driver open the HTML report; podman, runc and debootstrap build and
# run the execution environment (ee/build.sh); haproxy injects faults in front of the
# APIs (tests/integration/test_api_faults.py, docs/reliability.md#faults-in-the-apis).
APT_PACKAGES ?= git rsync shellcheck python3-venv postgresql \
	rabbitmq-server mariadb-server mariadb-client openssh-server openssh-client \
	sqlite3 util-linux iproute2 procps influxdb chromium chromium-driver \
	podman runc debootstrap haproxy

REQUIREMENTS := requirements.txt test-requirements.txt
# Installed with --no-deps: files the tests read, whose dependencies would conflict with ours.
NODEPS_REQUIREMENTS := test-requirements-nodeps.txt
# The venv is rebuilt/updated only when the requirement files change.
REQ_HASH = $(shell cat $(REQUIREMENTS) $(NODEPS_REQUIREMENTS) | sha256sum | cut -d' ' -f1)
STAMP := $(VENV)/.osops-setup.stamp
# galaxy-importer (the build-check tier) in a venv of its own.
IMPORTER_VENV := .venv-importer
IMPORTER_REQUIREMENTS := tests/tools/galaxy-importer-requirements.txt
IMPORTER_HASH = $(shell sha256sum $(IMPORTER_REQUIREMENTS) | cut -d' ' -f1)
IMPORTER_STAMP := $(IMPORTER_VENV)/.osops-setup.stamp

# Extra pytest arguments for the unit and integration tiers,
# e.g. make unit PYTEST_ARGS='-n auto -k store'
PYTEST_ARGS ?=

# Tiers run by `make test`. Stages are separated by spaces; in a stage, lanes joined by + run side by
# side and a lane's tiers joined by , one after the other; a lane written ~tiers runs at a low CPU
# weight (its own cgroup, cpu.shares 256 against 1024; tests/tools/run-tiers.sh). One lab keeps about
# one of the two CPUs busy on average (it waits on services restarting, instances moving), so the lab
# tier runs as two halves on two labs side by side (lab-a, lab-b), and the unit and static tiers beside
# them at the low weight, in the CPU they leave idle. The integration tier runs first, alone: some of
# its tests time real requests against an ansible-playbook run (HAProxy drains), which a starved lane
# makes late.
TIERS := integration lab-a+lab-b+~unit,sanity,lint,changelog-lint,build-check

# The store's tests must run on PostgreSQL, not skip it.
export OSOPS_REQUIRE_POSTGRES ?= 1

# Make the venv's tools (ansible-*, pytest) the ones every recipe finds.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help setup setup-apt setup-venv test unit sanity lint changelog-lint \
	build-check integration lab demo clean lab-deps lab-up lab-down lab-status \
	lab-reset lab-install lab-bench ee molecule chaos lab-selftest lab-extra bench-discovery bench-check bench-planner bench-upgrade bench-maintenance-planner bench-maintenance

help:
	@sed -n '3,29p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'

## ---------------------------------------------------------------- setup

setup: setup-apt setup-venv setup-importer
	@tests/tools/install-get-pip.sh $(BIN)/python

# Install only what is missing (no apt-get update when nothing is missing).
setup-apt:
	@if ! command -v dpkg-query >/dev/null; then \
	    echo "setup: not a Debian system; make sure these are installed: $(APT_PACKAGES)"; \
	    exit 0; \
	fi; \
	missing=""; \
	for pkg in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q 'install ok installed' \
	        || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then \
	    echo "setup: system packages present ($(APT_PACKAGES))"; \
	else \
	    echo "setup: apt-get install$$missing"; \
	    sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	    $$sudo apt-get update -qq; \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Create .venv if needed; (re)install the requirements when their hash differs
# from the stamp. The stamp is written only after a successful install.
setup-venv:
	@if [ -x $(BIN)/python ] && [ "$$(cat $(STAMP) 2>/dev/null)" = "$(REQ_HASH)" ]; then \
	    echo "setup: $(VENV) up to date"; \
	else \
	    [ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV); \
	    echo "setup: pip install -r requirements.txt -r test-requirements.txt"; \
	    $(BIN)/python -m pip install --disable-pip-version-check -q \
	        $(addprefix -r ,$(REQUIREMENTS)); \
	    echo "setup: pip install --no-deps -r $(NODEPS_REQUIREMENTS)"; \
	    $(BIN)/python -m pip install --disable-pip-version-check -q --no-deps \
	        $(addprefix -r ,$(NODEPS_REQUIREMENTS)); \
	    echo "$(REQ_HASH)" > $(STAMP); \
	fi

setup-importer:
	@if [ -x $(IMPORTER_VENV)/bin/python ] && [ "$$(cat $(IMPORTER_STAMP) 2>/dev/null)" = "$(IMPORTER_HASH)" ]; then \
	    echo "setup: $(IMPORTER_VENV) up to date"; \
	else \
	    [ -x $(IMPORTER_VENV)/bin/python ] || $(PYTHON) -m venv $(IMPORTER_VENV); \
	    echo "setup: pip install -r $(IMPORTER_REQUIREMENTS) into $(IMPORTER_VENV)"; \
	    $(IMPORTER_VENV)/bin/python -m pip install --disable-pip-version-check -q -r $(IMPORTER_REQUIREMENTS); \
	    echo "$(IMPORTER_HASH)" > $(IMPORTER_STAMP); \
	fi

## ---------------------------------------------------------------- tiers

# Run every tier even when one fails, then summarise with durations.
test: setup
	@MAKE="$(MAKE)" tests/tools/run-tiers.sh $(TIERS)

# Both CPUs: the unit tests share no state (tmp_path, ports picked free on 127.0.0.1).
unit:
	tests/tools/pytest-tier.sh tests/unit -n 2 $(PYTEST_ARGS)

sanity:
	tests/tools/ansible-test.sh sanity --venv --python 3.11 --color no

# offline: true in .ansible-lint keeps ansible-lint from installing the
# collection into .ansible/, so expose the checkout as osops.lifecycle through
# the same link tree tests/conftest.py uses.
lint:
	@mkdir -p .cache/collections/ansible_collections/osops
	@# replaced only when wrong: a lab tier beside this one resolves the collection through it
	@[ "$$(readlink .cache/collections/ansible_collections/osops/lifecycle)" = "$(CURDIR)" ] || \
	    ln -sfn "$(CURDIR)" .cache/collections/ansible_collections/osops/lifecycle
	ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/.cache/collections" \
	    $(BIN)/ansible-lint --profile production --nocolor

changelog-lint:
	$(BIN)/antsibull-changelog lint
	$(BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

build-check:
	tests/tools/build-check.sh

# --secret-scan: every Ansible output, log, report, job artifact and store row of the
# tier searched for the tests' passwords and tokens; one found fails the tier
# (tests/secretscan.py, docs/reliability.md#secrets).
integration:
	tests/tools/pytest-tier.sh tests/integration -m "not lab" -n 2 --secret-scan --durations=15 --durations-min=10 $(PYTEST_ARGS)

# The real OpenStack lab: bring-up, instances, live migration, and the
# collection against it (the lab's own release upgrade: make lab-selftest). A
# module's tests share one lab, so never under xdist. `make lab` runs every
# module on the lab at 127.0.0.x; `make test` runs them as two halves side by
# side, each on a lab of its own: lab-a at 127.0.0.x, lab-b at 127.0.1.x with
# its own home beside the default one (OSOPS_LAB_NET, OSOPS_LAB_HOME). The
# halves take about as long each, and the labs share the venv cache.
LAB_DIR := tests/integration/lab
LAB_B := $(LAB_DIR)/test_mixed_lab.py $(LAB_DIR)/test_opchecks_lab.py $(LAB_DIR)/test_upgrade_lab.py
LAB_ARGS := -m lab -p no:xdist --secret-scan --durations=0 --durations-min=30
LAB_B_ENV := OSOPS_LAB_NET=127.0.1 OSOPS_LAB_HOME="$${OSOPS_LAB_CACHE:-$$HOME/.cache/osops-lab}/run-b"
lab:
	tests/tools/pytest-tier.sh $(LAB_DIR) $(LAB_ARGS) $(PYTEST_ARGS)
lab-a:
	tests/tools/pytest-tier.sh $(LAB_DIR) $(addprefix --ignore=,$(LAB_B)) $(LAB_ARGS) $(PYTEST_ARGS)
lab-b:
	$(LAB_B_ENV) tests/tools/pytest-tier.sh $(LAB_B) $(LAB_ARGS) $(PYTEST_ARGS)

## ---------------------------------------------------------------- the lab by hand (docs/lab.md)

LABCTL := python3 tests/lab/labctl
RELEASE ?= 2025.1

lab-deps:
	$(LABCTL) deps
ee: setup
	bash ee/build.sh

# The lab's inventory, clouds.yaml and a store of the scenarios' own; the lab must be up (make lab-up)
# with the target release's venvs installed (make lab-install RELEASE=2026.1) for check and upgrade.
TARGET ?= 2026.1
molecule:
	@mkdir -p .cache/collections/ansible_collections/osops .cache/molecule
	@# replaced only when wrong: a lab tier beside this one resolves the collection through it
	@[ "$$(readlink .cache/collections/ansible_collections/osops/lifecycle)" = "$(CURDIR)" ] || \
	    ln -sfn "$(CURDIR)" .cache/collections/ansible_collections/osops/lifecycle
	inventory="$$($(BIN)/python tests/tools/molecule-vars.py .cache/molecule/vars.yml \
	        "sqlite:///$(CURDIR)/.cache/molecule/store.db" $(TARGET))"; \
	ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/.cache/collections" ANSIBLE_HOST_KEY_CHECKING=True \
	    OS_CLIENT_CONFIG_FILE="$$(dirname "$$inventory")/clouds.yaml" OSOPS_MOLECULE_INVENTORY="$$inventory" \
	    OSOPS_MOLECULE_VARS="$(CURDIR)/.cache/molecule/vars.yml" \
	    $(BIN)/molecule test $(if $(SCENARIO),-s $(SCENARIO),--all)

# The lab's own tests in full (test_lab.py): also its release upgrade of nova and a fresh lab at TARGET.
lab-selftest: setup
	OSOPS_LAB_SELFTEST=1 tests/tools/pytest-tier.sh tests/integration/lab/test_lab.py -m lab -p no:xdist $(PYTEST_ARGS)

# Lab scenarios on demand that the test command's others cover (test_drivers_lab.py: the venv driver's scenario
# and the compute_service / compute_host_drain scenario).
lab-extra: setup
	OSOPS_LAB_EXTRA=1 tests/tools/pytest-tier.sh tests/integration/lab/test_drivers_lab.py -m lab -p no:xdist $(PYTEST_ARGS)

# Crash trials on the lab, on demand (docs/reliability.md): TRIALS SIGKILLs of the controller at
# seeded random moments of upgrades and rollbacks, each checked from the store and the hosts. The
# lab tier runs the short version (test_upgrade_lab.py's three kills). SEED replays a run.
TRIALS ?= 20
SEED ?=
chaos: setup
	OSOPS_CHAOS_TRIALS=$(TRIALS) OSOPS_CHAOS_SEED=$(SEED) \
	    tests/tools/pytest-tier.sh tests/chaos -m lab -p no:xdist -s $(PYTEST_ARGS)

lab-up:
	$(LABCTL) up --release $(RELEASE) $(if $(COMPUTES),--computes $(COMPUTES))
lab-down:
	$(LABCTL) down
lab-status:
	$(LABCTL) status
lab-reset:
	$(LABCTL) reset
lab-install:
	$(LABCTL) install --release $(RELEASE)
lab-bench:
	python3 tests/lab/bench_lab.py --cold --release $(RELEASE)

# Figures (print only; not a test tier), on a lab that is up but for the planners'. BENCH_ARGS, e.g. --repeat 5.
BENCH_ARGS ?=
bench-discovery:
	$(BIN)/python tests/lab/bench_discovery.py $(BENCH_ARGS)
bench-check:
	$(BIN)/python tests/lab/bench_check.py $(BENCH_ARGS)
bench-planner:
	$(BIN)/python tests/lab/bench_planner.py $(BENCH_ARGS)
bench-upgrade:
	$(BIN)/python tests/lab/bench_upgrade.py $(if $(CONTROLLERS),--controllers $(CONTROLLERS)) $(BENCH_ARGS)
bench-maintenance-planner:
	$(BIN)/python tests/lab/bench_maintenance_planner.py $(BENCH_ARGS)
bench-maintenance:
	$(BIN)/python tests/lab/bench_maintenance.py $(BENCH_ARGS)

demo:
	$(MAKE) --no-print-directory setup
	@if [ -f tests/tools/demo.sh ]; then \
	    bash tests/tools/demo.sh; \
	else \
	    echo "demo: tests/tools/demo.sh does not exist yet"; \
	fi

# Local state of the harness only (not ~/.ansible, not .venv).
clean:
	rm -rf .cache/ansible-test .cache/collections tests/output .pytest_cache
	rm -f ./*.tar.gz
