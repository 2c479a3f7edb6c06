"""The HTTP contract of the app (DESIGN.md): routes, JSON shapes and error statuses."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import SAMPLES
from tests.utils import encode_image

DIGIT_4 = SAMPLES / "any-image" / "digit-4.png"
MNIST_7 = SAMPLES / "mnist-28x28" / "digit-7.jpeg"


def upload(path, content_type="image/png"):
    return {"file": (path.name, path.read_bytes(), content_type)}


def test_predict_answers_digit_confidence_probabilities(client):
    response = client.post("/predict", files=upload(DIGIT_4))
    assert response.status_code == 200
    body = response.json()
    assert body["digit"] == "4"
    # confidence counts the chance that the picture holds no digit; probabilities are the digits' given one
    assert body["confidence"] <= body["probabilities"][4] + 1e-6
    assert max(body["probabilities"]) == body["probabilities"][4]
    assert len(body["probabilities"]) == 10 and sum(body["probabilities"]) == pytest.approx(1.0, abs=1e-4)
    assert body["uncertain"] is False
    assert body["mode"] == "auto" and body["model_input"] is None


def test_predict_explain_returns_the_28x28_model_input(client):
    import base64
    import io

    from PIL import Image

    response = client.post("/predict", params={"explain": "true"}, files=upload(DIGIT_4))
    assert response.status_code == 200
    url = response.json()["model_input"]
    assert url.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert image.size == (28, 28) and image.mode == "L"


def test_predict_mnist_mode_reads_a_28x28_image(client):
    response = client.post("/predict", params={"mode": "mnist"}, files=upload(MNIST_7, "image/jpeg"))
    assert response.status_code == 200
    assert response.json()["digit"] == "7" and response.json()["mode"] == "mnist"


def test_predict_mnist_mode_rejects_other_sizes_with_the_size(client):
    response = client.post("/predict", params={"mode": "mnist"}, files=upload(DIGIT_4))
    assert response.status_code == 422
    assert "28x28" in response.json()["detail"] and "226x202" in response.json()["detail"]


def test_predict_unknown_mode_is_400(client):
    response = client.post("/predict", params={"mode": "fast"}, files=upload(DIGIT_4))
    assert response.status_code == 400
    assert "mode" in response.json()["detail"]


def test_predict_missing_file_is_400(client):
    response = client.post("/predict", data={"other": "x"}, files={"image": ("d.png", DIGIT_4.read_bytes(), "image/png")})
    assert response.status_code == 400
    assert "file" in response.json()["detail"]


def test_predict_undecodable_bytes_is_400(client):
    response = client.post("/predict", files={"file": ("x.png", b"\x89PNG\r\n\x1a\nnot really", "image/png")})
    assert response.status_code == 400
    assert "decode" in response.json()["detail"]


def test_predict_text_content_type_is_415(client):
    response = client.post("/predict", files={"file": ("notes.txt", b"hello", "text/plain")})
    assert response.status_code == 415


def test_predict_blank_image_is_422(client):
    blank = encode_image(np.full((64, 64), 255, dtype=np.uint8))
    response = client.post("/predict", files={"file": ("blank.png", blank, "image/png")})
    assert response.status_code == 422
    assert "no digit" in response.json()["detail"]


def test_predict_file_over_upload_limit_is_413(client, monkeypatch):
    from handler.config import get_settings

    monkeypatch.setenv("MAX_UPLOAD_BYTES", "1000")
    get_settings.cache_clear()
    response = client.post("/predict", files=upload(DIGIT_4))
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


def test_predict_batch_answers_in_order(client):
    paths = [SAMPLES / "any-image" / f"digit-{d}.png" for d in (3, 1, 4)]
    response = client.post("/predict/batch", files=[("files", (p.name, p.read_bytes(), "image/png")) for p in paths])
    assert response.status_code == 200
    assert [p["digit"] for p in response.json()] == ["3", "1", "4"]


def test_predict_batch_names_the_failing_file(client):
    files = [("files", ("good.png", DIGIT_4.read_bytes(), "image/png")), ("files", ("bad.png", b"junk", "image/png"))]
    response = client.post("/predict/batch", files=files)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("files[1] (bad.png)")


def test_predict_batch_over_count_limit_is_422(client, monkeypatch):
    from handler.config import get_settings

    monkeypatch.setenv("MAX_BATCH_FILES", "2")
    get_settings.cache_clear()
    files = [("files", (f"{i}.png", DIGIT_4.read_bytes(), "image/png")) for i in range(3)]
    response = client.post("/predict/batch", files=files)
    assert response.status_code == 422
    assert "at most 2" in response.json()["detail"]


def test_health_is_ok_with_the_model_loaded(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["model_loaded"] is True


def test_health_is_503_without_a_model(client, monkeypatch, tmp_path):
    from handler.config import get_settings

    monkeypatch.setenv("MODEL_PATH", str(tmp_path / "missing.tflite"))
    get_settings.cache_clear()
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"


def test_predict_without_a_model_is_503(client, monkeypatch, tmp_path):
    from handler.config import get_settings

    monkeypatch.setenv("MODEL_PATH", str(tmp_path / "missing.tflite"))
    get_settings.cache_clear()
    response = client.post("/predict", files=upload(DIGIT_4))
    assert response.status_code == 503
    assert "model" in response.json()["detail"]


def test_model_reports_shape_version_and_accuracy(client):
    import json

    from tests.conftest import REPO_ROOT

    response = client.get("/model")
    assert response.status_code == 200
    body = response.json()
    assert body["input_shape"] == [28, 28, 1] and len(body["version"]) == 12
    shipped = json.loads((REPO_ROOT / "model" / "metrics.json").read_text())["shipped"]
    assert body["test_accuracy"] == shipped["test_accuracy"] and body["variant"] == shipped["variant"]


def test_docs_page_is_served(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


def test_openapi_documents_error_responses(client):
    schema = client.get("/openapi.json").json()
    responses = schema["paths"]["/predict"]["post"]["responses"]
    assert {"200", "400", "413", "415", "422", "503"} <= set(responses)


def test_unknown_route_is_json_404(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_responses_carry_a_request_id(client):
    response = client.get("/health")
    assert len(response.headers["x-request-id"]) == 36


def raw(client, data, content_type, **params):
    return client.post("/predict", content=data, headers={"content-type": content_type}, params=params)


def test_predict_reads_a_raw_png_body(client):
    response = raw(client, DIGIT_4.read_bytes(), "image/png")
    assert response.status_code == 200
    assert response.json()["digit"] == "4"


def test_predict_reads_a_raw_jpeg_body_in_mnist_mode(client):
    response = raw(client, MNIST_7.read_bytes(), "image/jpeg", mode="mnist")
    assert response.status_code == 200
    assert response.json()["digit"] == "7" and response.json()["mode"] == "mnist"


def test_predict_reads_an_octet_stream_body(client):
    response = raw(client, DIGIT_4.read_bytes(), "application/octet-stream")
    assert response.status_code == 200
    assert response.json()["digit"] == "4"


def test_predict_empty_raw_body_is_400_saying_what_to_send(client):
    response = raw(client, b"", "image/png")
    assert response.status_code == 400
    assert "request body" in response.json()["detail"] and "`file`" in response.json()["detail"]


def test_predict_raw_body_over_upload_limit_is_413(client, monkeypatch):
    from handler.config import get_settings

    monkeypatch.setenv("MAX_UPLOAD_BYTES", "1000")
    get_settings.cache_clear()
    response = raw(client, DIGIT_4.read_bytes(), "image/png")
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


@pytest.mark.parametrize(("body", "content_type", "said"), [
    (b'{"file": "x"}', "application/json", "application/json"),
    # what `curl --data-binary @digit.png` sends without -H: the answer names the header to add
    (DIGIT_4.read_bytes(), "application/x-www-form-urlencoded", "-H 'Content-Type: image/png'"),
], ids=["json", "curl-without-type"])
def test_predict_raw_body_of_another_type_is_415(client, body, content_type, said):
    response = raw(client, body, content_type)
    assert response.status_code == 415
    assert said in response.json()["detail"]


def test_predict_raw_undecodable_image_is_400(client):
    response = raw(client, b"\x89PNG\r\n\x1a\nnot really", "image/png")
    assert response.status_code == 400
    assert "decode" in response.json()["detail"]


def test_openapi_documents_multipart_and_raw_image_bodies(client):
    content = client.get("/openapi.json").json()["paths"]["/predict"]["post"]["requestBody"]["content"]
    assert content["multipart/form-data"]["schema"]["required"] == ["file"]
    assert content["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    assert {"image/png", "image/jpeg", "application/octet-stream"} <= set(content)
    assert content["image/png"]["schema"]["format"] == "binary"
