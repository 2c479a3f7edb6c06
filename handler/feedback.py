"""The feedback store: an image and its JSON record, in S3 when a bucket is configured, else a local folder.

Keys: ``{prefix}{yyyy}/{mm}/{dd}/{id}.{ext}`` (the image) and ``.../{id}.json`` (the record). The image
is written first and the record last, so a record always points at a stored image. boto3 is imported
and its client created only on the first S3 write (the Lambda runtime provides boto3; locally it is a
dev dependency).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from handler.config import Settings

# File extension per decoded format (the record's content type is the format's, never the client's string).
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "MPO": "jpg", "GIF": "gif", "BMP": "bmp", "WEBP": "webp", "TIFF": "tif"}
# Fail fast and retry little: the caller answers 503 with Retry-After well within the Lambda timeout.
S3_CLIENT_CONFIG = {"connect_timeout": 2, "read_timeout": 5, "retries": {"mode": "standard", "max_attempts": 3}}


class StoreUnavailable(Exception):
    """The store did not confirm the write: nothing was accepted, the client should retry."""


@dataclass(frozen=True)
class FeedbackRecord:
    id: str
    label: str
    predicted: str | None
    content_type: str
    image_format: str
    size_bytes: int
    sha256: str
    stored_at: str  # ISO-8601 UTC
    image_key: str

    @classmethod
    def new(cls, *, image: bytes, label: str, predicted: str | None, content_type: str, image_format: str,
            prefix: str) -> FeedbackRecord:
        now, record_id = datetime.now(UTC), uuid.uuid4().hex
        extension = EXTENSIONS.get(image_format, "bin")
        return cls(
            id=record_id, label=label, predicted=predicted, content_type=content_type, image_format=image_format,
            size_bytes=len(image), sha256=hashlib.sha256(image).hexdigest(),
            stored_at=now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            image_key=f"{prefix}{now:%Y/%m/%d}/{record_id}.{extension}",
        )

    @property
    def record_key(self) -> str:
        return self.image_key.rsplit(".", 1)[0] + ".json"

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2).encode()


class FeedbackStore(Protocol):
    def save(self, record: FeedbackRecord, image: bytes) -> None:
        """Store the image, then the record; raise ``StoreUnavailable`` unless both are stored."""


class S3FeedbackStore:
    """Writes to an S3 bucket (the function's role may only ``s3:PutObject`` under the prefix)."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        self._client: Any = None
        self._lock = threading.Lock()

    def _s3(self) -> Any:
        with self._lock:  # routes run in a thread pool: create the client once
            if self._client is None:
                import boto3  # only here: a local run without a bucket never needs boto3
                from botocore.config import Config

                self._client = boto3.session.Session().client("s3", config=Config(**S3_CLIENT_CONFIG))
            return self._client

    def save(self, record: FeedbackRecord, image: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            s3 = self._s3()
            s3.put_object(Bucket=self.bucket, Key=record.image_key, Body=image, ContentType=record.content_type)
            s3.put_object(Bucket=self.bucket, Key=record.record_key, Body=record.to_json(),
                          ContentType="application/json")
        except (BotoCoreError, ClientError) as error:
            raise StoreUnavailable(f"S3 write to {self.bucket} failed: {error}") from error


class LocalFeedbackStore:
    """Writes under a local folder, each file atomically (a crash leaves no half-written record); a failed
    save leaves nothing, not even the image or a temporary file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, record: FeedbackRecord, image: bytes) -> None:
        image_path = self.root / record.image_key
        try:
            self._write(image_path, image)
            try:
                self._write(self.root / record.record_key, record.to_json())
            except OSError:
                image_path.unlink(missing_ok=True)  # no record, no image: the 503 says nothing was kept
                raise
        except OSError as error:
            raise StoreUnavailable(f"cannot write under {self.root}: {error.strerror or error}") from error

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)  # a failed write leaves no temporary file behind
            raise


@lru_cache(maxsize=4)
def feedback_store_for(bucket: str | None, root: Path) -> FeedbackStore:
    """One store per configuration and process, so the S3 client is made once (on first use)."""
    return S3FeedbackStore(bucket) if bucket else LocalFeedbackStore(root)


def get_feedback_store(settings: Settings) -> FeedbackStore:
    return feedback_store_for(settings.FEEDBACK_BUCKET, settings.FEEDBACK_DIR)
