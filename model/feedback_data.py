"""Reading the corrections users sent (`POST /feedback`) back: from a local folder or from S3.

The store (``handler/feedback.py``) writes ``{prefix}yyyy/mm/dd/{id}.{ext}`` (the image) and then
``{id}.json`` (its record). Every record is read with its image, checked against it (size, SHA-256,
key) and put through the API's own ``decode_image`` -> ``preprocess_auto``, so a correction carries
the 28x28 image the model saw. Whatever cannot be read or does not add up becomes a ``Problem``:
it is reported and skipped, never fatal.

S3: a paginated listing, a bounded pool of readers, retries (botocore's standard mode, then a few of
our own around reading a body), and credentials only from the standard AWS chain (boto3's default
session: environment, shared files, SSO, the instance or task role).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from handler.config import Settings
from handler.decode import decode_image
from handler.errors import DigitApiError
from handler.preprocess import preprocess_auto

DEFAULT_LOCATION = ".feedback/"
DEFAULT_CONCURRENCY = 8
READ_ATTEMPTS = 3  # of one object's body, after botocore's own retries of the request
REQUIRED_FIELDS = ("id", "label", "sha256", "size_bytes", "image_key")
DIGITS = frozenset("0123456789")
MAX_PIXELS = Settings.model_fields["MAX_IMAGE_PIXELS"].default


@dataclass(frozen=True)
class Correction:
    """One readable, consistent record: the right digit, what the API had answered, the image."""

    key: str  # of the record
    label: int
    predicted: int | None  # None when the client did not say what it had been told
    sha256: str
    stored_at: str
    image: bytes = field(repr=False)
    model_input: np.ndarray = field(repr=False)  # (28, 28) float32, what /predict?mode=auto feeds the model

    @property
    def corrected(self) -> bool:
        return self.predicted is not None and self.predicted != self.label


@dataclass(frozen=True)
class Problem:
    key: str
    kind: str  # "unreadable" (cannot be read or decoded) or "inconsistent" (record and image disagree)
    reason: str


@dataclass
class FeedbackSet:
    location: str
    corrections: list[Correction]
    problems: list[Problem]

    @property
    def records(self) -> int:
        return len(self.corrections) + len(self.problems)


class FeedbackSource(Protocol):
    def record_keys(self) -> Iterator[str]:
        """Every record's key (``*.json``), in a stable order."""

    def read(self, key: str) -> bytes:
        """The object's bytes; ``FileNotFoundError`` when it is not there."""


class LocalSource:
    """A feedback folder as ``LocalFeedbackStore`` writes it (``FEEDBACK_DIR``, prefix included)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __str__(self) -> str:
        return str(self.root)

    def record_keys(self) -> Iterator[str]:
        for path in sorted(self.root.rglob("*.json")):
            yield path.relative_to(self.root).as_posix()

    def read(self, key: str) -> bytes:
        return (self.root / key).read_bytes()


class S3Source:
    """``s3://bucket/prefix``: keys listed page by page, objects read by up to ``concurrency`` threads."""

    def __init__(self, bucket: str, prefix: str, *, concurrency: int = DEFAULT_CONCURRENCY, page_size: int = 1000,
                 client: Any = None) -> None:
        self.bucket, self.prefix, self.page_size = bucket, prefix, page_size
        self._client = client or _s3_client(concurrency)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def record_keys(self) -> Iterator[str]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix, PaginationConfig={"PageSize": self.page_size})
        for page in pages:
            for item in page.get("Contents", []):
                if item["Key"].endswith(".json"):
                    yield item["Key"]

    def read(self, key: str) -> bytes:
        from botocore.exceptions import ClientError, ResponseStreamingError

        for attempt in range(READ_ATTEMPTS):
            try:
                return self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                    raise FileNotFoundError(key) from error
                raise
            except ResponseStreamingError:  # the connection dropped mid-body: botocore does not retry that
                if attempt == READ_ATTEMPTS - 1:
                    raise
                time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")


def _s3_client(concurrency: int) -> Any:
    import boto3
    from botocore.config import Config

    # The default session walks the standard credential chain; nothing here reads or takes keys.
    config = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=max(10, concurrency))
    return boto3.session.Session().client("s3", config=config)


def open_source(location: str, *, concurrency: int = DEFAULT_CONCURRENCY) -> FeedbackSource:
    """``s3://bucket/prefix`` or a local folder."""
    if location.startswith("s3://"):
        bucket, _, prefix = location[len("s3://"):].partition("/")
        if not bucket:
            raise ValueError(f"no bucket in {location!r}: expected s3://bucket/prefix")
        return S3Source(bucket, prefix, concurrency=concurrency)
    return LocalSource(Path(location))


"""
## Reading and checking one record
"""


def parse_record(data: bytes) -> dict:
    """The record as a dict, or ``ValueError`` saying what is wrong with it."""
    try:
        record = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the record is not JSON: {error}") from error
    if not isinstance(record, dict):
        raise ValueError("the record is not a JSON object")
    missing = [name for name in REQUIRED_FIELDS if name not in record]
    if missing:
        raise ValueError(f"the record has no {', '.join(missing)}")
    if str(record["label"]) not in DIGITS:
        raise ValueError(f"label {record['label']!r} is not a digit 0-9")
    if record.get("predicted") is not None and str(record["predicted"]) not in DIGITS:
        raise ValueError(f"predicted {record['predicted']!r} is not a digit 0-9")
    return record


def read_correction(source: FeedbackSource, key: str) -> Correction | Problem:
    """One record and its image, checked and preprocessed; a ``Problem`` instead of any exception."""
    try:
        record = parse_record(source.read(key))
    except FileNotFoundError:
        return Problem(key, "unreadable", "the record vanished while reading")
    except ValueError as error:
        return Problem(key, "unreadable" if "not JSON" in str(error) else "inconsistent", str(error))
    # The store writes the image beside its record: the same folder and id, another extension.
    folder, _, name = key.rpartition("/")
    image_name = str(record["image_key"]).rpartition("/")[2]
    if not (name.removesuffix(".json") == image_name.rpartition(".")[0] == str(record["id"])):
        return Problem(key, "inconsistent", f"id {record['id']!r} and image_key {record['image_key']!r} do not match "
                                            "the record's name")
    image_path = f"{folder}/{image_name}" if folder else image_name
    try:
        image = source.read(image_path)
    except FileNotFoundError:
        return Problem(key, "unreadable", f"its image {image_path} is missing")
    digest = hashlib.sha256(image).hexdigest()
    if len(image) != record["size_bytes"] or digest != record["sha256"]:
        return Problem(key, "inconsistent", f"the image is {len(image)} bytes with SHA-256 {digest[:12]}, "
                                            f"the record says {record['size_bytes']} bytes, {str(record['sha256'])[:12]}")
    try:
        decoded = decode_image(image, max_pixels=MAX_PIXELS)
        model_input = preprocess_auto(decoded.rgb, decoded.alpha)
    except DigitApiError as error:
        return Problem(key, "unreadable", f"the image cannot be used: {error}")
    predicted = record.get("predicted")
    return Correction(key=key, label=int(record["label"]), predicted=None if predicted is None else int(predicted),
                      sha256=digest, stored_at=str(record.get("stored_at", "")), image=image, model_input=model_input)


def load_feedback(location: str | FeedbackSource, *, concurrency: int = DEFAULT_CONCURRENCY,
                  progress: bool | None = None) -> FeedbackSet:
    """Every record under ``location``, read by ``concurrency`` threads, with a progress bar on a terminal.

    ``progress=None`` shows the bar only when stderr is a terminal (tqdm's own rule).
    """
    source = open_source(location, concurrency=concurrency) if isinstance(location, str) else location
    disable = None if progress is None else not progress
    keys = list(tqdm(source.record_keys(), desc="listing", unit=" records", disable=disable))
    results: list[Correction | Problem] = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        # map keeps the listing's order; the pool bounds how many reads are in flight.
        for result in tqdm(pool.map(lambda key: _read_safely(source, key), keys), total=len(keys), desc="reading",
                           unit=" records", disable=disable):
            results.append(result)
    return FeedbackSet(
        location=str(source),
        corrections=[r for r in results if isinstance(r, Correction)],
        problems=[r for r in results if isinstance(r, Problem)],
    )


def _read_safely(source: FeedbackSource, key: str) -> Correction | Problem:
    try:
        return read_correction(source, key)
    except Exception as error:  # noqa: BLE001 - a store error on one record must not end the whole run
        return Problem(key, "unreadable", f"{type(error).__name__}: {error}")


def by_hash(corrections: Iterable[Correction]) -> dict[str, list[Correction]]:
    groups: dict[str, list[Correction]] = {}
    for correction in corrections:
        groups.setdefault(correction.sha256, []).append(correction)
    return groups


def duplicates(corrections: Iterable[Correction]) -> dict[str, list[Correction]]:
    """Images sent more than once (the same bytes), by SHA-256."""
    return {digest: group for digest, group in by_hash(corrections).items() if len(group) > 1}

