"""POST /feedback: an image and its correct digit, stored for review and retraining."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BeforeValidator

from handler.config import Settings
from handler.decode import DecodedImage, decode_image
from handler.deps import SettingsDep
from handler.feedback import FeedbackRecord, StoreUnavailable, get_feedback_store
from handler.schemas import Digit, FeedbackReceipt, error_responses
from handler.service import check_upload

router = APIRouter(tags=["feedback"])

RETRY_AFTER_S = 5
UNAVAILABLE = "feedback could not be stored right now and was not recorded: please send it again in a few seconds"
ERRORS = error_responses({
    400: "The file is not an image /predict can read, or the label is missing or not a digit.",
    413: "The file (MAX_FEEDBACK_BYTES), its pixel count or its structure is over a limit.",
    415: "The file is not an image type the service reads.",
    422: "A valid image in a form the service refuses to decode (a tiled TIFF, a lossless JPEG...).",
    503: "The store did not confirm the write; no record was kept. Retry after `Retry-After` seconds.",
})


def _blank_as_none(value: object) -> object:
    # An HTML form sends "" for "not predicted"; JavaScript's FormData.append(name, null) sends "null".
    return None if value in ("", "null") else value


LabelForm = Annotated[Digit, Form(description='The correct digit, "0".."9".')]
PredictedForm = Annotated[
    Digit | None, Form(description='The digit the service answered, "0".."9" (optional).'),
    BeforeValidator(_blank_as_none),
]


def checked_image(data: bytes, content_type: str | None, settings: Settings) -> DecodedImage:
    """Only what /predict reads is kept: the feedback limit, then a full decode within the same limits."""
    check_upload(data, min(settings.MAX_FEEDBACK_BYTES, settings.MAX_UPLOAD_BYTES))
    return decode_image(data, max_pixels=settings.MAX_IMAGE_PIXELS, declared_type=content_type)


@router.post("/feedback", status_code=status.HTTP_201_CREATED, response_model=FeedbackReceipt, responses=ERRORS)
async def feedback(
    request: Request,
    file: Annotated[UploadFile, File(description="The image the digit was read from.")],
    label: LabelForm,
    settings: SettingsDep,
    predicted: PredictedForm = None,
) -> FeedbackReceipt:
    """Store an image with its correct digit (and the digit the service had answered)."""
    data = await file.read()
    image = checked_image(data, file.content_type, settings)
    record = FeedbackRecord.new(image=data, label=label, predicted=predicted, content_type=image.media_type,
                                image_format=image.format, prefix=settings.FEEDBACK_PREFIX)
    try:
        await run_in_threadpool(get_feedback_store(settings).save, record, data)
    except StoreUnavailable as error:
        logging.getLogger(settings.SERVICE_NAME).error("feedback not stored", extra={"error": str(error)})
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail=UNAVAILABLE, headers={"Retry-After": str(RETRY_AFTER_S)}
        ) from error
    request.state.log.update(feedback_id=record.id, label=label, predicted=predicted)
    return FeedbackReceipt(id=record.id, label=label, predicted=predicted, stored_at=record.stored_at)
