"""POST /feedback and its store: local folder, S3 (moto), and a failing store."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from PIL import Image

from handler.feedback import feedback_store_for
from tests.conftest import REPO_ROOT, SAMPLES
from tests.utils import invoke

IMAGE = (SAMPLES / "mnist-28x28" / "digit-7.jpeg").read_bytes()
UPLOAD = [("file", "digit-7.jpeg", IMAGE, "image/jpeg")]


@pytest.fixture(autouse=True)
def fresh_store() -> Iterator[None]:
    feedback_store_for.cache_clear()  # a new S3 client inside each test's moto mock
    yield
    feedback_store_for.cache_clear()


def encoded_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def stored_objects(bucket: str) -> dict[str, bytes]:
    s3 = boto3.client("s3", region_name="us-east-1")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def stored_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_feedback_answers_201_receipt(client) -> None:
    response = client.post("/feedback", files={"file": ("d.jpeg", IMAGE, "image/jpeg")}, data={"label": "7"})
    assert response.status_code == 201
    receipt = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", receipt["id"])
    assert (receipt["label"], receipt["predicted"]) == ("7", None)
    stored_at = datetime.fromisoformat(receipt["stored_at"])
    assert stored_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - stored_at) < timedelta(minutes=1)


def test_feedback_keeps_predicted_digit(client) -> None:
    response = client.post("/feedback", files={"file": ("d.jpeg", IMAGE, "image/jpeg")},
                           data={"label": "7", "predicted": "1"})
    assert response.status_code == 201
    assert response.json()["predicted"] == "1"


def test_feedback_blank_predicted_is_null(client) -> None:
    response = client.post("/feedback", files={"file": ("d.jpeg", IMAGE, "image/jpeg")},
                           data={"label": "7", "predicted": ""})
    assert response.status_code == 201
    assert response.json()["predicted"] is None


def test_feedback_local_store_keeps_image_and_record(client, tmp_path: Path) -> None:
    response = client.post("/feedback", files={"file": ("d.jpeg", IMAGE, "image/jpeg")},
                           data={"label": "7", "predicted": "1"})
    files = stored_files(tmp_path / "feedback")
    assert response.status_code == 201
    record_key = next(key for key in files if key.endswith(".json"))
    record = json.loads(files[record_key])
    assert files[record["image_key"]] == IMAGE
    assert record["id"] == response.json()["id"] and record["label"] == "7" and record["predicted"] == "1"


@pytest.mark.parametrize("label", ["", "10", "a", "-1", "7.0"])
def test_feedback_bad_label_is_400(client, label: str) -> None:
    response = client.post("/feedback", files={"file": ("d.jpeg", IMAGE, "image/jpeg")}, data={"label": label})
    assert response.status_code == 400
    assert "label" in response.json()["detail"]


def test_feedback_bad_predicted_is_400(client) -> None:
    response = client.post("/feedback", files={"file": ("d.jpeg", IMAGE, "image/jpeg")},
                           data={"label": "7", "predicted": "x"})
    assert response.status_code == 400
    assert "predicted" in response.json()["detail"]


def test_feedback_missing_label_is_400(client) -> None:
    response = client.post("/feedback", files={"file": ("d.jpeg", IMAGE, "image/jpeg")})
    assert response.status_code == 400
    assert "label" in response.json()["detail"] and "required" in response.json()["detail"]


def test_feedback_missing_file_is_400(client) -> None:
    response = client.post("/feedback", data={"label": "7"})
    assert response.status_code == 400
    assert "file" in response.json()["detail"] and "required" in response.json()["detail"]


@pytest.mark.parametrize(("content", "content_type", "status"), [
    (b"%PDF-1.4 not an image", "application/pdf", 415),
    (b"not an image at all", "image/png", 400),
    (b"", "image/png", 400),
])
def test_feedback_rejects_what_predict_rejects(client, tmp_path: Path, content: bytes, content_type: str,
                                               status: int) -> None:
    response = client.post("/feedback", files={"file": ("x", content, content_type)}, data={"label": "7"})
    assert response.status_code == status
    assert response.json()["detail"]
    assert stored_files(tmp_path / "feedback") == {}


def test_feedback_truncated_image_is_400_and_not_stored(client, tmp_path: Path) -> None:
    png = encoded_png(Image.open(io.BytesIO(IMAGE)))
    response = client.post("/feedback", files={"file": ("d", png[: len(png) // 2], "image/png")}, data={"label": "7"})
    assert response.status_code == 400
    assert "cannot be decoded" in response.json()["detail"]
    assert stored_files(tmp_path / "feedback") == {}


def test_feedback_record_content_type_is_the_sniffed_format(client, tmp_path: Path) -> None:
    response = client.post("/feedback", files={"file": ("d.txt", IMAGE, "text/plain")}, data={"label": "7"})
    records = [json.loads(v) for k, v in stored_files(tmp_path / "feedback").items() if k.endswith(".json")]
    assert response.status_code == 201
    assert (records[0]["content_type"], records[0]["image_format"]) == ("image/jpeg", "JPEG")


def test_feedback_over_its_own_limit_is_413_under_the_predict_limit(client, monkeypatch: pytest.MonkeyPatch) -> None:
    from handler.config import get_settings

    monkeypatch.setenv("MAX_FEEDBACK_BYTES", str(len(IMAGE) - 1))
    get_settings.cache_clear()
    response = client.post("/feedback", files={"file": ("d.jpeg", IMAGE, "image/jpeg")}, data={"label": "7"})
    assert response.status_code == 413
    assert f"limit {len(IMAGE) - 1:,}" in response.json()["detail"]
    assert client.post("/predict", files={"file": ("d.jpeg", IMAGE, "image/jpeg")}).status_code == 200


def test_feedback_failed_record_write_leaves_no_file(client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import handler.feedback

    real_replace = os.replace

    def full_disk_for_records(source: str, target: Path) -> None:
        if str(target).endswith(".json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(handler.feedback.os, "replace", full_disk_for_records)
    response = client.post("/feedback", files={"file": ("d.jpeg", IMAGE, "image/jpeg")}, data={"label": "7"})
    assert response.status_code == 503
    assert stored_files(tmp_path / "feedback") == {}


def test_feedback_file_over_limit_is_413(client, monkeypatch: pytest.MonkeyPatch) -> None:
    from handler.config import get_settings

    monkeypatch.setenv("MAX_UPLOAD_BYTES", str(len(IMAGE) - 1))
    get_settings.cache_clear()
    response = client.post("/feedback", files={"file": ("d.jpeg", IMAGE, "image/jpeg")}, data={"label": "7"})
    assert response.status_code == 413


def test_feedback_s3_objects_read_back_byte_identical(bucket: str) -> None:
    status, receipt, _ = invoke("POST", "/feedback", files=UPLOAD, fields={"label": "7", "predicted": "1"})
    objects = stored_objects(bucket)
    assert status == 201
    record_key = f"{receipt['id']}.json"
    [(key, record_bytes)] = [(k, v) for k, v in objects.items() if k.endswith(record_key)]
    record = json.loads(record_bytes)
    assert key.startswith("feedback/") and record["image_key"].startswith("feedback/")
    assert objects[record["image_key"]] == IMAGE
    assert record["sha256"] == hashlib.sha256(IMAGE).hexdigest() and record["size_bytes"] == len(IMAGE)
    assert (record["label"], record["predicted"], record["content_type"]) == ("7", "1", "image/jpeg")


def test_feedback_s3_stores_the_sniffed_type_not_an_injected_one(bucket: str) -> None:
    upload = [("file", "d.jpeg", IMAGE, "image/png;\nX-Evil: 1")]
    status, receipt, _ = invoke("POST", "/feedback", files=upload, fields={"label": "7"})
    s3 = boto3.client("s3", region_name="us-east-1")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    [image_key] = [key for key in keys if not key.endswith(".json")]
    assert status == 201
    assert s3.head_object(Bucket=bucket, Key=image_key)["ContentType"] == "image/jpeg"


def test_feedback_s3_record_has_no_client_address(bucket: str) -> None:
    status, _, _ = invoke("POST", "/feedback", files=UPLOAD, fields={"label": "7"})
    records = [json.loads(v) for k, v in stored_objects(bucket).items() if k.endswith(".json")]
    assert status == 201
    assert set(records[0]) == {"id", "label", "predicted", "content_type", "image_format", "size_bytes", "sha256",
                               "stored_at", "image_key"}
    assert "127.0.0.1" not in json.dumps(records[0])


def test_feedback_s3_client_created_once(bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    made = []
    original = boto3.session.Session.client
    monkeypatch.setattr(boto3.session.Session, "client", lambda self, *a, **k: made.append(a) or original(self, *a, **k))
    statuses = [invoke("POST", "/feedback", files=UPLOAD, fields={"label": "7"})[0] for _ in range(3)]
    assert statuses == [201, 201, 201]
    assert made == [("s3",)]


def test_feedback_s3_failure_is_503_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    from handler.config import get_settings

    with mock_aws():  # the bucket does not exist: S3 answers NoSuchBucket
        monkeypatch.setenv("FEEDBACK_BUCKET", "no-such-feedback-bucket")
        get_settings.cache_clear()
        status, body, headers = invoke("POST", "/feedback", files=UPLOAD, fields={"label": "7"})
    assert status == 503
    assert headers["retry-after"].isdigit()
    assert "again" in body["detail"] and "not recorded" in body["detail"]


def test_feedback_local_failure_is_503(client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from handler.config import get_settings

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FEEDBACK_DIR", str(blocker / "feedback"))
    get_settings.cache_clear()
    response = client.post("/feedback", files={"file": ("d.jpeg", IMAGE, "image/jpeg")}, data={"label": "7"})
    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()


def test_feedback_without_bucket_never_imports_boto3(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom fastapi.testclient import TestClient\nfrom handler.app import app\n"
        f"r = TestClient(app).post('/feedback', files={{'file': ('d.jpeg', {IMAGE!r}, 'image/jpeg')}}, "
        "data={'label': '7'})\n"
        # Powertools imports the bare botocore package (0.4 ms) to register its user-agent hook: no client
        "print(r.status_code, sorted(m for m in sys.modules if m.split('.')[0] == 'boto3' or m.startswith('botocore.')))"
    )
    env = {"PATH": "/usr/bin:/bin", "FEEDBACK_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, env=env,
                            check=True)
    assert result.stdout.strip().splitlines()[-1] == "201 []"
