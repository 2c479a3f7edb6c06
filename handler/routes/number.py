"""POST /predict/number: one line of handwritten digits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile

from handler.deps import ClassifierDep, SettingsDep
from handler.number import read_number
from handler.routes import predict
from handler.schemas import NumberPrediction, error_responses

router = APIRouter(tags=["predict"])

ERRORS = {**predict.ERRORS, **error_responses({422: "A valid image with no readable digit, or more digits than "
                                                     "MAX_NUMBER_DIGITS."})}


async def read_file(upload: UploadFile) -> tuple[bytes, str | None]:
    """The upload's bytes and declared type (a raw image body will be read the same way)."""
    return await upload.read(), upload.content_type


@router.post("/predict/number", response_model=NumberPrediction, responses=ERRORS)
async def predict_number(
    request: Request,
    file: Annotated[UploadFile, File(description="A picture of one line of digits: PNG, JPEG, GIF, BMP, WebP or TIFF.")],
    settings: SettingsDep,
    classifier: ClassifierDep,
    explain: predict.ExplainQuery = False,
) -> NumberPrediction:
    """Read a handwritten number: 1 to MAX_NUMBER_DIGITS digits on one line, each with its box.

    The number's confidence is the product of its digits' confidences; boxes are [x, y, width, height]
    in the uploaded picture's pixels after EXIF rotation, digits left to right.
    """
    data, content_type = await read_file(file)
    number = read_number(data, content_type, settings, classifier, explain=explain)
    request.state.log.update(number=number.number, confidence=round(number.confidence, 4), count=len(number.digits))
    return number
