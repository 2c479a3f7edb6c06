"""Dependencies declared once, used by the routes as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from handler.classifier import DigitClassifier
from handler.config import Settings, get_settings
from handler.service import load_classifier


# Async on purpose: FastAPI runs a sync dependency in a worker thread, and under Mangum every
# invocation is a new root task, so anyio starts a fresh thread for it (~0.25 ms per request here).
async def settings_dep() -> Settings:
    return get_settings()


async def get_classifier(settings: Annotated[Settings, Depends(settings_dep)]) -> DigitClassifier:
    return load_classifier(settings.MODEL_PATH)


SettingsDep = Annotated[Settings, Depends(settings_dep)]
ClassifierDep = Annotated[DigitClassifier, Depends(get_classifier)]
