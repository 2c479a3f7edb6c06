"""All settings of the service, read once from the environment (names are the upper-case fields)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the repo locally, /var/task on Lambda
LAMBDA_REQUEST_LIMIT = 6 * 1024 * 1024  # bytes of the whole invocation payload


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    SERVICE_NAME: str = "mnist-digit-api"
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    MODEL_PATH: Path = PACKAGE_ROOT / "model" / "artifacts" / "mnist_cnn.tflite"
    MODEL_METRICS_PATH: Path = PACKAGE_ROOT / "model" / "metrics.json"
    # API Gateway base64-encodes binary bodies (4/3 larger) inside Lambda's 6 MB payload limit.
    MAX_UPLOAD_BYTES: int = Field(default=4 * 1024 * 1024, gt=0, le=LAMBDA_REQUEST_LIMIT)
    # Checked from the header before any pixel is decoded: a guard against decompression bombs.
    MAX_IMAGE_PIXELS: int = Field(default=40_000_000, gt=0)
    MAX_BATCH_FILES: int = Field(default=16, gt=0, le=64)
    # /predict/number reads one line of at most this many digits; more is a 422.
    MAX_NUMBER_DIGITS: int = Field(default=12, gt=0, le=64)
    # Where /feedback stores what it accepts: an S3 bucket when set, else a local folder.
    FEEDBACK_BUCKET: str | None = None
    FEEDBACK_PREFIX: str = "feedback/"
    FEEDBACK_DIR: Path = PACKAGE_ROOT / ".feedback"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing the env."""
    return Settings()
