"""Schemathesis over the app's own OpenAPI schema, in-process: no 5xx, every answer as documented."""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.checks import not_a_server_error

from handler.app import app
from tests.conftest import SAMPLES
from tests.reliability.strategies import encoded_images

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
# The schema can only say "bytes": it cannot say "bytes that decode to an image with a digit", so a
# schema-valid request may rightly get a 4xx. That one check is left out; every other one runs.
SCHEMA_CANNOT_EXPRESS = [positive_data_acceptance]
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SAMPLE_IMAGES = sorted(path.read_bytes() for path in SAMPLES.rglob("*") if path.is_file())

STATUSES: dict[str, Counter[int]] = {"generated": Counter(), "real images": Counter()}

schema = schemathesis.openapi.from_asgi("/openapi.json", app)
with_images = schemathesis.openapi.from_asgi("/openapi.json", app).include(method="POST")
with_images.config.generation.update(modes=[GenerationMode.POSITIVE])
images = st.one_of(st.sampled_from(SAMPLE_IMAGES), encoded_images(max_side=64)) if SAMPLE_IMAGES else encoded_images()


@schema.parametrize()
@FUZZ
def test_app_any_request_gets_a_documented_answer(case, figures):
    response = case.call_and_validate(excluded_checks=SCHEMA_CANNOT_EXPRESS)
    record(figures, "generated", response.status_code)


@pytest.mark.filterwarnings("ignore:Generating overly large repr")  # the images are the arguments
@with_images.parametrize()
@with_images.given(uploads=st.lists(images, min_size=1, max_size=3))
@FUZZ
def test_app_real_images_get_a_documented_answer(case, uploads, figures):
    # Generated files are random bytes (always a 400): real images reach the 200/201 answers too.
    if case.media_type == "multipart/form-data":
        fields = {"files": uploads} if case.path.endswith("/batch") else {"file": uploads[0]}
        case.body = {**case.body, **fields}
    else:  # /predict's other request body: the image itself (its declared type need not match: bytes are sniffed)
        case.body = uploads[0]
    response = case.call()
    record(figures, "real images", response.status_code)
    case.validate_response(response, checks=CONFORMANCE)
    assert response.status_code in (200, 201, 422), response.text


def record(figures: dict, kind: str, status: int) -> None:
    STATUSES[kind][status] += 1
    figures["schema fuzzing in-process"] = {
        f"{name} requests": counts.total() for name, counts in STATUSES.items()
    } | {f"{name} statuses": dict(sorted(counts.items())) for name, counts in STATUSES.items()}
