"""POST /predict and /predict/batch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile

from handler.decode import DecodeBudget
from handler.deps import ClassifierDep, SettingsDep
from handler.errors import DigitApiError, UnusableImage, printable
from handler.schemas import Mode, Prediction, error_responses
from handler.service import calibration_for, model_input_for, read_digits
from handler.uploads import read_upload, request_body_openapi

router = APIRouter(tags=["predict"])

ERRORS = error_responses({
    400: "The file cannot be decoded as an image, or the request is malformed.",
    413: "The file, its pixel count, its structure (scans, chunks, strips, frames) or a batch's decode budget"
         " is over a limit.",
    415: "The file is not an image type the service reads.",
    422: "A valid image with no single readable digit (blank, a letter, a scribble, a shape, several digits), "
         "not 28x28 in mnist mode, a refused variant (tiled TIFF, lossless JPEG), or more files than a batch takes.",
    503: "The model is not available.",
})
ModeQuery = Annotated[Mode, Query(description="auto: any picture of one digit; mnist: a 28x28 MNIST-style image.")]
ExplainQuery = Annotated[bool, Query(description="Also answer the 28x28 image the model saw (PNG data URL).")]


async def _read(upload: UploadFile) -> tuple[bytes, str | None]:
    return await upload.read(), upload.content_type


IMAGE_BODY = request_body_openapi("The image: PNG, JPEG, GIF, BMP, WebP or TIFF.")


@router.post("/predict", response_model=Prediction, responses=ERRORS, openapi_extra=IMAGE_BODY)
async def predict(
    request: Request, settings: SettingsDep, classifier: ClassifierDep, mode: ModeQuery = "auto",
    explain: ExplainQuery = False,
) -> Prediction:
    """Read the handwritten digit in one image, sent as the request body or as the multipart field `file`."""
    data, content_type, _ = await read_upload(request)
    picture = model_input_for(data, content_type, mode, settings)
    [prediction] = read_digits(classifier, [picture], mode, explain=explain, calibration=calibration_for(settings))
    request.state.log.update(digit=prediction.digit, confidence=round(prediction.confidence, 4),
                             uncertain=prediction.uncertain, mode=mode)
    return prediction


@router.post("/predict/batch", response_model=list[Prediction], responses=ERRORS)
async def predict_batch(
    request: Request,
    files: Annotated[list[UploadFile], File(description="Images, one per `files` field, answered in order.")],
    settings: SettingsDep,
    classifier: ClassifierDep,
    mode: ModeQuery = "auto",
    explain: ExplainQuery = False,
) -> list[Prediction]:
    """Read one digit from each of several images (at most MAX_BATCH_FILES), answered in order."""
    if len(files) > settings.MAX_BATCH_FILES:
        raise UnusableImage(f"{len(files)} files sent; a batch takes at most {settings.MAX_BATCH_FILES}")
    inputs, names = [], []
    budget = DecodeBudget(settings.MAX_BATCH_PIXELS, settings.MAX_BATCH_BYTES)
    for index, upload in enumerate(files):
        data, content_type = await _read(upload)
        try:
            inputs.append(model_input_for(data, content_type, mode, settings, budget))
        except DigitApiError as error:  # say which file failed; the status stays the file's own
            raise type(error)(f"files[{index}] ({printable(upload.filename)}): {error}") from error
        names.append(f"files[{index}] ({printable(upload.filename)})")
    predictions = read_digits(classifier, inputs, mode, explain=explain, calibration=calibration_for(settings),
                              labels=names)
    request.state.log.update(digits="".join(p.digit for p in predictions), mode=mode, count=len(predictions),
                             confidence=[round(p.confidence, 4) for p in predictions],
                             uncertain=[p.uncertain for p in predictions])
    return predictions
