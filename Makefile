# Two entry points for a fresh Debian machine, as root:
#   make demo   — a simulated 6-host Magento fleet on this machine, and what qpt-apply does with it
#   make test   — the whole suite on every supported Python / ansible-core pair (what CI runs)
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python version : ansible-core series, one test leg each.
LEGS ?= 3.11:2.19 3.12:2.21
DEMO_LEG ?= 3.11:2.19
VENVS ?= .venv
LAB_DIR ?= .lab
PYTEST_ARGS ?=

APT_PACKAGES := python3 python3-venv make openssh-server openssh-client php-cli php-mysql php-zip php-xml composer \
                mariadb-server mariadb-client git patch unzip sudo haproxy chromium

venv_of = $(VENVS)/py$(word 1,$(subst :, ,$(1)))-ansible$(word 2,$(subst :, ,$(1)))

.PHONY: help deps venvs demo demo-down test lint collection clean

help:
	@echo "make demo    bring up a 6-host lab and run qpt-apply against it"
	@echo "make test    run the whole suite on: $(LEGS)"
	@echo "make lint    ansible-lint (production profile)"
	@echo "make collection  build the qpt_apply.magento tarball; ansible-test sanity and units on it"
	@echo "make clean   stop the demo lab, remove venvs"

deps:
	@bash .ci/install-system-packages $(APT_PACKAGES)

# One venv per leg: the project with its test and lint extras, ansible-core pinned to the leg's series.
$(VENVS)/py%/.installed: pyproject.toml
	@bash .ci/make-venv "$(@D)"
	@touch "$@"

venvs: $(foreach leg,$(LEGS),$(call venv_of,$(leg))/.installed)

# Narrated: lab up, doctor, status, plan, apply (canary first), verify, revert, lab down.
# KEEP_LAB=1 leaves the fleet running to explore (then: make demo-down).
demo: deps $(call venv_of,$(DEMO_LEG))/.installed
	@PATH="$(abspath $(call venv_of,$(DEMO_LEG)))/bin:$$PATH" \
	  python -m qpt_apply.lab.demo --dir "$(LAB_DIR)" $(if $(KEEP_LAB),--keep)

demo-down:
	@PATH="$(abspath $(call venv_of,$(DEMO_LEG)))/bin:$$PATH" qpt-apply lab down --dir "$(LAB_DIR)"

test: deps venvs
	@bash .ci/test-legs "$(VENVS)" "$(PYTEST_ARGS)" $(LEGS)

lint: $(call venv_of,$(DEMO_LEG))/.installed
	@PATH="$(abspath $(call venv_of,$(DEMO_LEG)))/bin:$$PATH" ansible-lint --profile production --offline playbooks roles

# The collection tarball, and ansible-test sanity + units on it (part of make test).
collection: $(call venv_of,$(DEMO_LEG))/.installed
	@bash .ci/collection-test "$(call venv_of,$(DEMO_LEG))"

clean:
	-@[ -f "$(LAB_DIR)/lab.state.json" ] && $(MAKE) --no-print-directory demo-down || true
	rm -rf $(VENVS)
