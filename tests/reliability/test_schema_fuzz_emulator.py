"""Schemathesis over HTTP against the local API Gateway + Lambda emulation on 127.0.0.1."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from handler.app import app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))  # per operation; each one is a real HTTP round trip
# As in-process: a "bytes" schema cannot say "an image with a digit", so schema-valid files may get a 4xx.
SCHEMA_CANNOT_EXPRESS = [positive_data_acceptance]
OPERATIONS = [(path, method.upper()) for path, methods in app.openapi()["paths"].items() for method in methods]


@pytest.fixture(scope="session")
def emulator_schema(emulator_url):
    return schemathesis.openapi.from_url(f"{emulator_url}/openapi.json")


@pytest.mark.slow
@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_emulator_any_request_gets_a_documented_answer(emulator_schema, path, method, figures):
    operation = emulator_schema[path][method]
    counts = figures.setdefault("schema fuzzing via emulator", {"requests": 0, "5xx": 0})
    cases = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in GenerationMode))

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def call(case):
        response = case.call_and_validate(excluded_checks=SCHEMA_CANNOT_EXPRESS)
        counts["requests"] += 1
        counts["5xx"] += response.status_code >= 500

    call()
