# Every task of the project. `make serve` and `make test` work on a fresh clone with ../shared beside it.
SHELL := /bin/bash
PYTHON_VERSION := 3.13
VENV := .venv
PY := $(VENV)/bin/python
DATA ?= ../shared/data/mnist.npz
EPOCHS ?= 20
PORT ?= 3000
SAM_VENV := .venv-sam
SAM := SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam
ARCH ?= x86_64
MODEL ?= model/artifacts/mnist_cnn.tflite
EVENT ?= infra/events/predict.json
CHROMIUM ?= /usr/bin/chromium
REQUESTS ?= 2000
CONCURRENCY ?= 8
BUILD_DIR ?= .aws-sam/build/DigitFunction

.DEFAULT_GOAL := help
.PHONY: help venv sam-venv browser serve build build-DigitFunction invoke validate lint deploy test loadtest train real-pictures numbers-report bench bench-quick clean

help: ## List the tasks
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-train.txt
	@command -v python$(PYTHON_VERSION) >/dev/null || { echo "python$(PYTHON_VERSION) not found (pyenv install $(PYTHON_VERSION))"; exit 1; }
	test -x $(PY) || python$(PYTHON_VERSION) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt -r requirements-train.txt
	touch $@

venv: $(VENV)/.installed ## Create .venv and install every pinned requirement

browser: ## Install Debian's chromium for the browser tests, when missing and root (else they skip; CI fails)
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "note: $(CHROMIUM) missing and not root: the browser tests will skip (sudo apt-get install chromium)"; fi

# The SAM CLI pins its own dependencies: it lives in its own virtualenv.
$(SAM_VENV)/.installed: requirements-sam.txt
	@command -v python$(PYTHON_VERSION) >/dev/null || { echo "python$(PYTHON_VERSION) not found (pyenv install $(PYTHON_VERSION))"; exit 1; }
	test -x $(SAM_VENV)/bin/python || python$(PYTHON_VERSION) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet -r requirements-sam.txt
	touch $@

sam-venv: $(SAM_VENV)/.installed ## Create .venv-sam with the AWS SAM CLI and cfn-lint

serve: venv ## Run the API through the local API Gateway + Lambda emulation on http://127.0.0.1:$(PORT)
	$(PY) -m infra.emulator --host 127.0.0.1 --port $(PORT)

build: venv sam-venv ## sam build (ARCH=x86_64|arm64): the lean package in .aws-sam/build, report in build/
	ARCH=$(ARCH) MODEL=$(MODEL) $(SAM) build --parameter-overrides Architecture=$(ARCH)

build-DigitFunction: # called by `sam build` (BuildMethod: makefile) with ARTIFACTS_DIR set
	$(PY) -m infra.build --out "$(ARTIFACTS_DIR)" --arch $(ARCH) --model $(MODEL) --report build/package-report.md

invoke: venv ## Run the handler once on EVENT=file.json, like `sam local invoke` (samples: infra/events/)
	$(PY) -m infra.invoke $(EVENT)

validate: sam-venv ## sam validate --lint and cfn-lint on template.yaml
	$(SAM) validate --lint
	$(SAM_VENV)/bin/cfn-lint template.yaml

lint: validate ## Same as validate

deploy: build ## sam deploy with samconfig.toml (needs AWS credentials)
	$(SAM) deploy --parameter-overrides Architecture=$(ARCH)

test: venv sam-venv browser ## Install what is missing, then run every test
	$(PY) -m pytest

loadtest: venv ## Bounded load test of the local emulation on 127.0.0.1 (REQUESTS=2000, CONCURRENCY=8): errors, p50/p99
	$(PY) -m infra.loadtest --requests $(REQUESTS) --concurrency $(CONCURRENCY) --json test-output/loadtest.json

train: venv ## Train, convert and evaluate the model (writes model/artifacts, metrics.json, MODEL_CARD.md)
	$(PY) -m model.train --data $(DATA) --epochs $(EPOCHS) --out model/artifacts
	$(PY) -m model.convert --data $(DATA) --keras model/artifacts/mnist_cnn.keras --out model/artifacts
	$(PY) -m model.evaluate --data $(DATA) --models model/artifacts --out model

bench: venv ## Benchmark against the original Keras app: bench/REPORT.md, report.json, bench.png (minutes)
	$(PY) -m bench.run --build-dir $(BUILD_DIR) --data $(DATA)

bench-quick: venv ## Smoke run of the benchmark (few samples, tiny baseline) into test-output/bench
	$(PY) -m bench.run --quick --build-dir $(BUILD_DIR) --data $(DATA) --out test-output/bench --cache test-output/bench/cache

real-pictures: venv ## Generate the real-picture test set (seed 0) and report accuracy per kind (model/REAL_PICTURES.md)
	$(PY) -m model.evaluate_real --seed 0 --per-kind 50 --out model

numbers-report: venv ## Generate the handwritten-number set (seed 0) and report /predict/number per condition (model/NUMBERS.md)
	$(PY) -m model.numbers_report --seed 0 --per-condition 60 --out model

clean: ## Remove caches and build outputs (keeps .venv)
	rm -rf .pytest_cache .aws-sam build test-output
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
