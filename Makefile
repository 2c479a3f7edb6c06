# Every task of the project. `make serve` and `make test` work on a fresh clone with ../shared beside it.
SHELL := /bin/bash
PYTHON_VERSION := 3.13
VENV := .venv
PY := $(VENV)/bin/python
DATA ?= ../shared/data/mnist.npz
EPOCHS ?= 14
FINETUNE_EPOCHS ?= 3
SEEDS ?= 1234 4321
PORT ?= 3000
SAM_VENV := .venv-sam
# The build's own tools (requirements-build.txt), made by the build itself: a fresh clone's `sam build` works.
BUILD_VENV := .venv-build
# What `make serve` / `make invoke` need and nothing more (requirements-serve.txt) + AWS's RIE binary.
SERVE_VENV := .venv-serve
RIE := $(SERVE_VENV)/bin/aws-lambda-rie
SAM := SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam
ARCH ?= x86_64
MODEL ?= model/artifacts/mnist_cnn.tflite
EVENT ?= infra/events/predict.json
CHROMIUM ?= /usr/bin/chromium
REQUESTS ?= 2000
CONCURRENCY ?= 8
BUILD_DIR ?= .aws-sam/build/DigitFunction
FEEDBACK ?= .feedback/

.DEFAULT_GOAL := help
.PHONY: help venv sam-venv serve-venv serve-uvicorn browser serve build build-DigitFunction invoke validate lint deploy test loadtest train real-pictures feedback-report retrain numbers-report bench bench-quick clean

# Descriptions may name $(PORT); the column is as wide as the longest task name.
help: ## List the tasks
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' -v port='$(PORT)' \
		'{gsub(/\$$\(PORT\)/, port, $$2); name[NR] = $$1; text[NR] = $$2; if (length($$1) > w) w = length($$1)} \
		END {for (i = 1; i <= NR; i++) printf "  make %-*s  %s\n", w, name[i], text[i]}'

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

$(SERVE_VENV)/.installed: requirements.txt requirements-serve.txt
	@command -v python$(PYTHON_VERSION) >/dev/null || { echo "python$(PYTHON_VERSION) not found (pyenv install $(PYTHON_VERSION))"; exit 1; }
	test -x $(SERVE_VENV)/bin/python || python$(PYTHON_VERSION) -m venv $(SERVE_VENV)
	$(SERVE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-serve.txt
	touch $@

# Only the RIE binary out of the aws-sam-cli wheel (pip download --no-deps, requirements-sam.txt's version):
# the SAM CLI's own ~100 dependencies and pins stay out of the serve venv.
$(RIE): requirements-sam.txt | $(SERVE_VENV)/.installed
	$(SERVE_VENV)/bin/python -m infra.rie install $(RIE)

serve-venv: $(SERVE_VENV)/.installed $(RIE) ## Create .venv-serve: the function's requirements, awslambdaric, AWS's RIE

serve: serve-venv ## API Gateway (ours) + Lambda (AWS's RIE) on http://127.0.0.1:$(PORT), from the checkout (CODE_DIR=.aws-sam/build/DigitFunction: the build)
	$(SERVE_VENV)/bin/python -m infra.emulator --host 127.0.0.1 --port $(PORT) $(if $(CODE_DIR),--code-dir $(CODE_DIR))

serve-uvicorn: $(SERVE_VENV)/.installed ## The app alone under uvicorn on http://127.0.0.1:$(PORT): no Lambda emulation (where RIE cannot run)
	$(SERVE_VENV)/bin/python -m uvicorn handler.app:app --host 127.0.0.1 --port $(PORT)

build: sam-venv ## sam build (ARCH=x86_64|arm64): the lean package in .aws-sam/build, report in build/
	ARCH=$(ARCH) MODEL=$(MODEL) $(SAM) build --parameter-overrides Architecture=$(ARCH)

$(BUILD_VENV)/.installed: requirements-build.txt
	@command -v python$(PYTHON_VERSION) >/dev/null || { echo "python$(PYTHON_VERSION) not found (pyenv install $(PYTHON_VERSION))"; exit 1; }
	test -x $(BUILD_VENV)/bin/python || python$(PYTHON_VERSION) -m venv $(BUILD_VENV)
	$(BUILD_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-build.txt
	touch $@

# Called by `sam build` (BuildMethod: makefile) with ARTIFACTS_DIR set. SAM tells make no architecture
# (aws-sam-cli#3349): infra/build.py reads it from sam's build graph unless ARCH is given (make build does).
build-DigitFunction: $(BUILD_VENV)/.installed
	$(BUILD_VENV)/bin/python -m infra.build --out "$(ARTIFACTS_DIR)" --model $(MODEL) --report build/package-report.md \
		$(if $(filter environment command line,$(origin ARCH)),--arch $(ARCH))

invoke: serve-venv ## Run the handler once on EVENT=file.json under RIE, like `sam local invoke` (samples: infra/events/)
	$(SERVE_VENV)/bin/python -m infra.invoke $(EVENT) $(if $(CODE_DIR),--code-dir $(CODE_DIR))

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

train: venv ## Train two CNNs, ensemble, convert and evaluate (writes model/artifacts, metrics.json, MODEL_CARD.md)
	for seed in $(SEEDS); do \
	  $(PY) -m model.train --data $(DATA) --epochs $(EPOCHS) --finetune-epochs $(FINETUNE_EPOCHS) --seed $$seed \
	    --out build/members/$$seed --cache build/pipeline-cache || exit 1; done
	$(PY) -m model.ensemble --data $(DATA) --cache build/pipeline-cache --out model/artifacts \
	  --members $(foreach seed,$(SEEDS),build/members/$(seed)/mnist_cnn.keras)
	$(PY) -m model.convert --data $(DATA) --keras model/artifacts/mnist_cnn.keras --out model/artifacts
	$(PY) -m model.evaluate --data $(DATA) --models model/artifacts --out model

bench: venv ## Benchmark against the original Keras app: bench/REPORT.md, report.json, bench.png (minutes)
	$(PY) -m bench.run --build-dir $(BUILD_DIR) --data $(DATA)

bench-quick: venv ## Smoke run of the benchmark (few samples, tiny baseline) into test-output/bench
	$(PY) -m bench.run --quick --build-dir $(BUILD_DIR) --data $(DATA) --out test-output/bench --cache test-output/bench/cache

real-pictures: venv ## Real-picture reports: model/REAL_PICTURES.md (seed 0) and the independent INDEPENDENT_PICTURES.md
	$(PY) -m model.evaluate_real --seed 0 --per-kind 50 --out model
	$(PY) -m model.independent.report --seed 20261201 --per-condition 40 --out model --data $(DATA)

numbers-report: venv ## Generate the handwritten-number set (seed 0) and report /predict/number per condition (model/NUMBERS.md)
	$(PY) -m model.numbers_report --seed 0 --per-condition 60 --out model

feedback-report: venv ## What users corrected (FEEDBACK=s3://bucket/prefix or a folder, default .feedback/): build/feedback-report
	$(PY) -m model.feedback_report --feedback $(FEEDBACK) --out build/feedback-report

retrain: venv ## Fine-tune on FEEDBACK with MNIST replay; ships the new model only if the promotion rule passes
	$(PY) -m model.retrain --feedback $(FEEDBACK) --data $(DATA) --out build/retrain

clean: ## Remove caches and build outputs (keeps the .venv* folders)
	rm -rf .pytest_cache .aws-sam build test-output
	find . -name __pycache__ -not -path './.venv*' -prune -exec rm -rf {} +
