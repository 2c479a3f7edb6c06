"""POST /predict/number: one line of handwritten digits."""

from __future__ import annotations

from fastapi import APIRouter, Request

from handler.deps import ClassifierDep, SettingsDep
from handler.number import read_number
from handler.routes import predict
from handler.schemas import NumberPrediction, error_responses
from handler.service import calibration_for
from handler.uploads import read_upload, request_body_openapi

router = APIRouter(tags=["predict"])

ERRORS = {**predict.ERRORS, **error_responses({422: "A valid image with no readable digit, or more digits than "
                                                     "MAX_NUMBER_DIGITS."})}


IMAGE_BODY = request_body_openapi("A picture of one line of digits: PNG, JPEG, GIF, BMP, WebP or TIFF.")


@router.post("/predict/number", response_model=NumberPrediction, responses=ERRORS, openapi_extra=IMAGE_BODY)
async def predict_number(
    request: Request, settings: SettingsDep, classifier: ClassifierDep, explain: predict.ExplainQuery = False,
) -> NumberPrediction:
    """Read a handwritten number: 1 to MAX_NUMBER_DIGITS digits on one line, each with its box.

    The number's confidence is the product of its digits' confidences; boxes are [x, y, width, height]
    in the uploaded picture's pixels after EXIF rotation, digits left to right.
    """
    data, content_type, _ = await read_upload(request)
    number = read_number(data, content_type, settings, classifier, calibration=calibration_for(settings), explain=explain)
    request.state.log.update(number=number.number, confidence=round(number.confidence, 4), uncertain=number.uncertain,
                             count=len(number.digits))
    return number
