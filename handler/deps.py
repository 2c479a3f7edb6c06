"""Dependencies declared once, used by the routes as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from handler.classifier import DigitClassifier
from handler.config import Settings, get_settings
from handler.service import load_classifier


def get_classifier(settings: Annotated[Settings, Depends(get_settings)]) -> DigitClassifier:
    return load_classifier(settings.MODEL_PATH)


SettingsDep = Annotated[Settings, Depends(get_settings)]
ClassifierDep = Annotated[DigitClassifier, Depends(get_classifier)]
