"""Reading the feedback store back: local folder and S3 (moto), every record checked, problems reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from handler.feedback import LocalFeedbackStore, S3FeedbackStore
from model.feedback_data import LocalSource, S3Source, duplicates, load_feedback, open_source
from tests.model.feedback_builders import confusable_corrections, store, write_corrupt


def test_load_feedback_reads_local_records_with_the_model_input(tmp_path: Path) -> None:
    records = store(LocalFeedbackStore(tmp_path), confusable_corrections(4))
    feedback = load_feedback(str(tmp_path), progress=False)
    assert feedback.problems == []
    assert sorted(c.key for c in feedback.corrections) == sorted(r.record_key for r in records)
    correction = feedback.corrections[0]
    assert (correction.label, correction.predicted, correction.corrected) == (1, 7, True)
    assert correction.model_input.shape == (28, 28) and 0.9 < correction.model_input.max() <= 1.0


def test_load_feedback_reports_corrupt_records_and_keeps_the_good_ones(tmp_path: Path) -> None:
    store(LocalFeedbackStore(tmp_path), confusable_corrections(2))
    expected = write_corrupt(tmp_path)
    feedback = load_feedback(str(tmp_path), progress=False)
    assert len(feedback.corrections) == 2
    assert {p.key: p.kind for p in feedback.problems} == expected
    assert feedback.records == 2 + len(expected)


def test_load_feedback_reads_s3_page_by_page(bucket: str) -> None:
    records = store(S3FeedbackStore(bucket), confusable_corrections(5))
    source = S3Source(bucket, "feedback/", page_size=2)  # three pages of listing
    feedback = load_feedback(source, concurrency=3, progress=False)
    assert feedback.problems == []
    assert sorted(c.key for c in feedback.corrections) == sorted(r.record_key for r in records)
    assert {c.sha256 for c in feedback.corrections} == {r.sha256 for r in records}


def test_load_feedback_reads_an_s3_url(bucket: str) -> None:
    store(S3FeedbackStore(bucket), confusable_corrections(2))
    feedback = load_feedback(f"s3://{bucket}/feedback/", progress=False)
    assert feedback.location == f"s3://{bucket}/feedback/"
    assert len(feedback.corrections) == 2


def test_load_feedback_reports_s3_records_whose_image_is_missing(bucket: str) -> None:
    import boto3

    records = store(S3FeedbackStore(bucket), confusable_corrections(2))
    boto3.client("s3", region_name="us-east-1").delete_object(Bucket=bucket, Key=records[0].image_key)
    feedback = load_feedback(f"s3://{bucket}/feedback/", progress=False)
    assert [(p.key, p.kind) for p in feedback.problems] == [(records[0].record_key, "unreadable")]
    assert len(feedback.corrections) == 1


def test_s3_source_retries_a_body_cut_off_mid_read() -> None:
    from botocore.exceptions import ResponseStreamingError

    class Body:
        def __init__(self, fail: bool) -> None:
            self.fail = fail

        def read(self) -> bytes:
            if self.fail:
                raise ResponseStreamingError(error="connection reset")
            return b"{}"

    class FlakyClient:
        calls = 0

        def get_object(self, **_: str) -> dict:
            self.calls += 1
            return {"Body": Body(fail=self.calls == 1)}

    client = FlakyClient()
    assert S3Source("b", "p/", client=client).read("p/x.json") == b"{}"
    assert client.calls == 2


def test_open_source_tells_s3_from_a_folder(tmp_path: Path) -> None:
    assert isinstance(open_source(str(tmp_path)), LocalSource)
    source = open_source("s3://my-bucket/feedback/")
    assert isinstance(source, S3Source) and (source.bucket, source.prefix) == ("my-bucket", "feedback/")
    with pytest.raises(ValueError, match="no bucket"):
        open_source("s3:///feedback/")


def test_duplicates_groups_the_same_image_by_hash(tmp_path: Path) -> None:
    sent = confusable_corrections(3)
    store(LocalFeedbackStore(tmp_path), [*sent, sent[0], sent[0]])
    groups = duplicates(load_feedback(str(tmp_path), progress=False).corrections)
    assert [len(group) for group in groups.values()] == [3]
