"""A trailing slash reaches the same route: no redirect (locally it pointed at https://127.0.0.1)."""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLES
from tests.utils import invoke

DIGIT_4 = SAMPLES / "any-image" / "digit-4.png"


def test_predict_with_trailing_slash_answers_as_predict(client):
    response = client.post("/predict/", files={"file": ("d.png", DIGIT_4.read_bytes(), "image/png")},
                           follow_redirects=False)
    assert response.status_code == 200
    assert response.json()["digit"] == "4"


@pytest.mark.parametrize("path", ["/health/", "/health//"])
def test_get_with_trailing_slashes_answers_as_without(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_root_page_keeps_its_slash(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_unknown_path_with_trailing_slash_is_a_json_404(client):
    response = client.post("/predictions/", follow_redirects=False)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("payload", ["2.0", "1.0"])
def test_lambda_handler_predict_with_trailing_slash(payload):
    status, body, _ = invoke("POST", "/predict/", files=[("file", "d.png", DIGIT_4.read_bytes(), "image/png")],
                             payload=payload)
    assert status == 200
    assert body["digit"] == "4"
