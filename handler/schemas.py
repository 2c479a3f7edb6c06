"""Response bodies: pydantic models, so the OpenAPI schema at /docs is what the service really answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

Mode = Literal["auto", "mnist"]
Digit = Literal["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class Prediction(BaseModel):
    digit: str = Field(pattern=r"^[0-9]$", description='The digit read, "0".."9" (a string, as the original app).')
    confidence: Probability = Field(
        description="Calibrated probability that the digit is right (the chance that the picture holds no digit "
        "included): of the answers given with confidence 0.9, about 9 in 10 are right."
    )
    probabilities: list[Probability] = Field(
        min_length=10, max_length=10, description="P(0)..P(9) given that the picture holds one digit, summing to 1."
    )
    uncertain: bool = Field(
        description="True when the confidence is under the threshold chosen on validation data (GET /model): "
        "show the two likeliest digits, or ask for a clearer picture."
    )
    mode: Mode = Field(description="How the image was read: auto (any picture) or mnist (strict 28x28).")
    model_input: str | None = Field(
        default=None, description="With explain=true: the 28x28 image the model saw, as a PNG data URL."
    )


class DigitInNumber(BaseModel):
    digit: str = Field(pattern=r"^[0-9]$", description='The digit read, "0".."9".')
    confidence: Probability = Field(description="Probability of that digit.")
    uncertain: bool = Field(description="True when the confidence is under the service's threshold.")
    probabilities: list[Probability] = Field(min_length=10, max_length=10, description="P(0)..P(9).")
    box: list[int] = Field(
        min_length=4, max_length=4,
        description="[x, y, width, height] of the digit in the uploaded picture's pixels (after EXIF rotation).",
    )
    model_input: str | None = Field(
        default=None, description="With explain=true: the 28x28 image the model saw, as a PNG data URL."
    )


class NumberPrediction(BaseModel):
    number: str = Field(pattern=r"^[0-9]+$", description="The digits read, left to right, as a string.")
    confidence: Probability = Field(description="The product of the digits' confidences.")
    uncertain: bool = Field(description="True when any digit is uncertain.")
    digits: list[DigitInNumber] = Field(min_length=1, description="Each digit, left to right.")


class ErrorResponse(BaseModel):
    detail: str = Field(description="What was wrong with the request, in words.")


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=``: each error status documented with the ``ErrorResponse`` body."""
    return {status: {"model": ErrorResponse, "description": text} for status, text in descriptions.items()}


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    model_loaded: bool
    version: str


class ModelInfo(BaseModel):
    name: str
    version: str = Field(description="First 12 hex digits of the model file's SHA-256.")
    variant: str = Field(description="float32 or int8.")
    input_shape: list[int]
    input_dtype: str
    size_bytes: int
    test_accuracy: float | None = Field(description="Accuracy on the 10,000 MNIST test images (model/metrics.json).")


class FeedbackReceipt(BaseModel):
    id: str = Field(pattern=r"^[0-9a-f]{32}$", description="The stored record's id (32 hex digits).")
    label: Digit = Field(description="The correct digit, as sent.")
    predicted: Digit | None = Field(description="The digit the service had answered, if sent.")
    stored_at: datetime = Field(description="When the image and its record were stored (UTC).")
