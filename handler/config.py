"""All settings of the service, read once from the environment (names are the upper-case fields)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the repo locally, /var/task on Lambda
LAMBDA_REQUEST_LIMIT = 6 * 1024 * 1024  # bytes of the whole invocation payload


class Settings(BaseModel):
    """Filled from the environment (names case-insensitive) when built; explicit arguments win.

    A pydantic model rather than pydantic-settings' ``BaseSettings``: the same validation, without
    importing asyncio, argparse and its source providers in every cold start (~35 ms here).
    """

    model_config = ConfigDict(extra="ignore")

    SERVICE_NAME: str = "mnist-digit-api"
    METRICS_NAMESPACE: str = "MnistDigitApi"  # CloudWatch namespace of the service's metrics (EMF)
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    MODEL_PATH: Path = PACKAGE_ROOT / "model" / "artifacts" / "mnist_cnn.tflite"
    MODEL_METRICS_PATH: Path = PACKAGE_ROOT / "model" / "metrics.json"
    # API Gateway base64-encodes binary bodies (4/3 larger) inside Lambda's 6 MB payload limit.
    MAX_UPLOAD_BYTES: int = Field(default=4 * 1024 * 1024, gt=0, le=LAMBDA_REQUEST_LIMIT)
    # Checked from the header before any pixel is decoded: a guard against decompression bombs.
    MAX_IMAGE_PIXELS: int = Field(default=40_000_000, gt=0)
    MAX_BATCH_FILES: int = Field(default=16, gt=0, le=64)
    # An answer whose calibrated confidence is under this is marked "uncertain". Unset: the threshold chosen on
    # validation data when the model was trained (model/metrics.json, "calibration").
    UNCERTAIN_BELOW: float | None = Field(default=None, ge=0.0, le=1.0)
    # What one batch may decode in total: 16 copies of a 12 MP PNG took 4-6 CPU-s (each ~0.27 s here).
    MAX_BATCH_PIXELS: int = Field(default=24_000_000, gt=0)
    MAX_BATCH_BYTES: int = Field(default=4 * 1024 * 1024, gt=0, le=LAMBDA_REQUEST_LIMIT)
    # /feedback keeps what it is sent for a year at the owner's cost: its own, smaller file limit.
    MAX_FEEDBACK_BYTES: int = Field(default=1024 * 1024, gt=0, le=LAMBDA_REQUEST_LIMIT)
    # /predict/number reads one line of at most this many digits; more is a 422.
    MAX_NUMBER_DIGITS: int = Field(default=12, gt=0, le=64)
    # Where /feedback stores what it accepts: an S3 bucket when set, else a local folder.
    FEEDBACK_BUCKET: str | None = None
    FEEDBACK_PREFIX: str = "feedback/"
    FEEDBACK_DIR: Path = PACKAGE_ROOT / ".feedback"
    # Freed memory malloc keeps for the next request instead of returning it (handler/memory.py); 0: its defaults.
    KEEP_FREED_BYTES: int = Field(default=32 * 1024 * 1024, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, values: Any) -> Any:
        environment = {name.upper(): value for name, value in os.environ.items()}
        return {**{name: environment[name] for name in cls.model_fields if name in environment}, **(values or {})}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing the env."""
    return Settings()
