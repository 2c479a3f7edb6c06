"""Settings come from the environment, with defaults that work locally without AWS."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from handler.config import LAMBDA_REQUEST_LIMIT, Settings


def test_settings_defaults_point_at_the_shipped_model():
    settings = Settings()
    assert settings.MODEL_PATH.name == "mnist_cnn.tflite" and settings.MODEL_PATH.is_file()
    assert settings.FEEDBACK_BUCKET is None
    assert settings.MAX_UPLOAD_BYTES < LAMBDA_REQUEST_LIMIT


def test_settings_read_environment(monkeypatch):
    monkeypatch.setenv("MAX_BATCH_FILES", "4")
    monkeypatch.setenv("model_path", "/opt/model.tflite")
    settings = Settings()
    assert settings.MAX_BATCH_FILES == 4 and str(settings.MODEL_PATH) == "/opt/model.tflite"


def test_settings_reject_upload_limit_above_lambda_payload(monkeypatch):
    monkeypatch.setenv("MAX_UPLOAD_BYTES", str(LAMBDA_REQUEST_LIMIT + 1))
    with pytest.raises(ValidationError):
        Settings()


def test_settings_reject_unknown_log_level(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(ValidationError):
        Settings()
