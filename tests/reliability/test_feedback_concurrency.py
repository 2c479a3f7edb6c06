"""Many concurrent POST /feedback against S3 (moto): every accepted one stored once, byte-identical;
a failing S3 write answers 503 with Retry-After, never a silent loss."""

from __future__ import annotations

import asyncio
import io
import json
import threading

import boto3
import httpx
import numpy as np
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from PIL import Image

POSTS = 48
IN_FLIGHT = 16  # requests the app holds at once (uvicorn-style concurrency in one process)
FAIL_EVERY = 5  # with flaky S3: every 5th PutObject fails, as S3 does under SlowDown


def unique_png(seed: int) -> bytes:
    """A small digit-like picture, different in every byte stream, so a mix-up cannot go unnoticed."""
    pixels = np.random.default_rng(seed).integers(0, 256, size=(28, 28), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


async def post_all(images: list[bytes]) -> list[httpx.Response]:
    from handler.app import app

    limit = asyncio.Semaphore(IN_FLIGHT)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as client:

        async def post(index: int, image: bytes) -> httpx.Response:
            async with limit:
                return await client.post("/feedback", files={"file": (f"{index}.png", image, "image/png")},
                                         data={"label": str(index % 10), "predicted": str((index + 1) % 10)})

        return await asyncio.gather(*(post(i, image) for i, image in enumerate(images)))


def post_concurrently(images: list[bytes]) -> list[httpx.Response]:
    """Run ``post_all`` on a loop of its own: ``asyncio.run`` would leave the thread with no current
    event loop, and Mangum (``lambda_handler``) asks for the current loop in every later invocation."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(post_all(images))
    finally:
        loop.close()


def stored_objects(bucket: str) -> dict[str, bytes]:
    s3 = boto3.client("s3", region_name="us-east-1")
    keys = [item["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for item in page.get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def records_by_id(objects: dict[str, bytes]) -> dict[str, dict]:
    records = [json.loads(data) for key, data in objects.items() if key.endswith(".json")]
    assert len({r["id"] for r in records}) == len(records)  # never stored twice
    return {record["id"]: record for record in records}


def assert_stored_exactly(responses: list[httpx.Response], images: list[bytes], objects: dict[str, bytes]) -> None:
    """Each 201 has one record and one byte-identical image; there is no record nobody was told about."""
    records = records_by_id(objects)
    accepted = {r.json()["id"]: index for index, r in enumerate(responses) if r.status_code == 201}
    assert set(records) == set(accepted)
    for record_id, index in accepted.items():
        record = records[record_id]
        assert objects[record["image_key"]] == images[index]
        assert record["label"] == str(index % 10) and record["predicted"] == str((index + 1) % 10)


@pytest.fixture
def flaky_s3(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``FAIL_EVERY``-th S3 PutObject fails with S3's 503 SlowDown (after botocore's own retries)."""
    real_call, calls, lock = BaseClient._make_api_call, [0], threading.Lock()

    def call(self, operation_name, api_params):
        if operation_name == "PutObject":
            with lock:
                calls[0] += 1
                fail = calls[0] % FAIL_EVERY == 0
            if fail:
                error = {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."},
                         "ResponseMetadata": {"HTTPStatusCode": 503}}
                raise ClientError(error, operation_name)
        return real_call(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", call)


def test_feedback_concurrent_posts_are_each_stored_once_byte_identical(bucket, figures):
    images = [unique_png(seed) for seed in range(POSTS)]
    responses = post_concurrently(images)
    assert [r.status_code for r in responses] == [201] * POSTS
    objects = stored_objects(bucket)
    assert len(objects) == 2 * POSTS  # an image and a record each, nothing else
    assert_stored_exactly(responses, images, objects)
    figures["feedback (moto S3)"] = {"concurrent posts": POSTS, "in flight": IN_FLIGHT, "stored": POSTS}


def test_feedback_flaky_s3_answers_503_with_retry_after_and_loses_nothing_accepted(bucket, flaky_s3, figures):
    images = [unique_png(1000 + seed) for seed in range(POSTS)]
    responses = post_concurrently(images)
    statuses = [r.status_code for r in responses]
    assert set(statuses) == {201, 503}
    for response in responses:
        if response.status_code == 503:
            assert int(response.headers["retry-after"]) > 0
            assert "again" in response.json()["detail"]
    assert_stored_exactly(responses, images, stored_objects(bucket))
    figures.setdefault("feedback (moto S3)", {}).update({"flaky S3 posts": POSTS, "201": statuses.count(201), "503": statuses.count(503)})


def test_feedback_missing_bucket_answers_503_with_retry_after(bucket):
    boto3.client("s3", region_name="us-east-1").delete_bucket(Bucket=bucket)
    [response] = post_concurrently([unique_png(7)])
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert "not recorded" in response.json()["detail"]
