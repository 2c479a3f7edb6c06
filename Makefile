# Every task of the project. `make serve` and `make test` work on a fresh clone with ../shared beside it.
SHELL := /bin/bash
PYTHON_VERSION := 3.13
VENV := .venv
PY := $(VENV)/bin/python
DATA ?= ../shared/data/mnist.npz
EPOCHS ?= 20
PORT ?= 3000

.DEFAULT_GOAL := help
.PHONY: help venv serve test train real-pictures clean

help: ## List the tasks
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-train.txt
	@command -v python$(PYTHON_VERSION) >/dev/null || { echo "python$(PYTHON_VERSION) not found (pyenv install $(PYTHON_VERSION))"; exit 1; }
	test -x $(PY) || python$(PYTHON_VERSION) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt -r requirements-train.txt
	touch $@

venv: $(VENV)/.installed ## Create .venv and install every pinned requirement

serve: venv ## Run the API on http://127.0.0.1:$(PORT)
	$(VENV)/bin/uvicorn handler.app:app --host 127.0.0.1 --port $(PORT)

test: venv ## Install what is missing, then run every test
	$(PY) -m pytest

train: venv ## Train, convert and evaluate the model (writes model/artifacts, metrics.json, MODEL_CARD.md)
	$(PY) -m model.train --data $(DATA) --epochs $(EPOCHS) --out model/artifacts
	$(PY) -m model.convert --data $(DATA) --keras model/artifacts/mnist_cnn.keras --out model/artifacts
	$(PY) -m model.evaluate --data $(DATA) --models model/artifacts --out model

real-pictures: venv ## Generate the real-picture test set (seed 0) and report accuracy per kind (model/REAL_PICTURES.md)
	$(PY) -m model.evaluate_real --seed 0 --per-kind 50 --out model

clean: ## Remove caches and build outputs (keeps .venv)
	rm -rf .pytest_cache .aws-sam build test-output
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
