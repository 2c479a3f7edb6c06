"""GET /health and /model."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from handler.deps import SettingsDep
from handler.errors import DigitApiError
from handler.schemas import ErrorResponse, Health, ModelInfo
from handler.service import load_classifier, model_info

router = APIRouter(tags=["service"])
VERSION = "1.0.0"


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(settings: SettingsDep, response: Response) -> Health:
    """Whether the service can answer predictions (the model is loaded): 200, else 503."""
    try:
        load_classifier(settings.MODEL_PATH)
    except DigitApiError:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="degraded", model_loaded=False, version=VERSION)
    return Health(status="ok", model_loaded=True, version=VERSION)


@router.get("/model", response_model=ModelInfo, responses={503: {"model": ErrorResponse}})
def model(settings: SettingsDep) -> ModelInfo:
    """The served model: name, version (file hash), input shape and its MNIST test accuracy."""
    return model_info(settings.MODEL_PATH, settings.MODEL_METRICS_PATH)
