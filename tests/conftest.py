"""Shared fixtures: settings from a clean environment, a TestClient, sample images, fake AWS credentials."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
MNIST_PATH = SHARED_DATA / "mnist.npz"
SAMPLES = SHARED_DATA / "samples"
SHIPPED_MODEL = REPO_ROOT / "model" / "artifacts" / "mnist_cnn.tflite"

# moto and boto3 must never find real credentials or reach AWS from a test (as in Mangum's conftest).
for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_PROFILE", None)


def sample_label(path: Path) -> str:
    """Sample files end in their label: ``digit-4.png`` and ``black-on-white-6.jpeg``."""
    return path.stem.rsplit("-", 1)[-1]


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test starts from default settings, with feedback written under its own tmp folder."""
    from handler.config import get_settings

    monkeypatch.setenv("FEEDBACK_DIR", str(tmp_path / "feedback"))
    monkeypatch.delenv("FEEDBACK_BUCKET", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def client():
    from fastapi.testclient import TestClient

    from handler.app import app

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh moto S3 bucket named in FEEDBACK_BUCKET (a new name each test: the store is cached per bucket)."""
    import uuid

    import boto3
    from moto import mock_aws

    from handler.config import get_settings

    name = f"feedback-{uuid.uuid4().hex[:12]}"
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=name)
        monkeypatch.setenv("FEEDBACK_BUCKET", name)
        get_settings.cache_clear()
        yield name


@pytest.fixture(scope="session")
def mnist_test():
    import numpy as np

    with np.load(MNIST_PATH) as data:
        return data["x_test"], data["y_test"]
