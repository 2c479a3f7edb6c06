"""make feedback-report: what users corrected, from a local folder or an S3 prefix (moto)."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from handler.feedback import LocalFeedbackStore, S3FeedbackStore
from model import feedback_report
from tests.conftest import SHIPPED_MODEL
from tests.model.feedback_builders import Sent, confusable_corrections, store, write_corrupt


def run_report(feedback: str, out: Path) -> dict:
    return feedback_report.main(["--feedback", feedback, "--model", str(SHIPPED_MODEL), "--out", str(out)])


def test_report_counts_labels_and_confusion_pairs(tmp_path: Path) -> None:
    confirmed = Sent(confusable_corrections(1, seed=3)[0].image, label="1", predicted="1")
    store(LocalFeedbackStore(tmp_path / "fb"), [*confusable_corrections(6), confirmed])
    summary = run_report(str(tmp_path / "fb"), tmp_path / "out")
    assert (summary["records"], summary["corrected"], summary["confirmed"]) == (7, 6, 1)
    assert summary["per_label"]["1"] == {"records": 7, "corrected": 6}
    assert summary["confusion_pairs"] == [{"predicted": 7, "right": 1, "count": 6}]


def test_report_draws_a_contact_sheet_of_the_corrections(tmp_path: Path) -> None:
    store(LocalFeedbackStore(tmp_path / "fb"), confusable_corrections(8))
    run_report(str(tmp_path / "fb"), tmp_path / "out")
    with Image.open(tmp_path / "out" / "corrections.png") as sheet:
        assert sheet.width > 1000 and sheet.height > 2 * 100  # 8 tiles: two rows of six columns
    assert "![corrections](corrections.png) (8 corrected pictures" in (tmp_path / "out" / "FEEDBACK_REPORT.md").read_text()


def test_report_lists_duplicates_by_hash(tmp_path: Path) -> None:
    sent = confusable_corrections(2)
    records = store(LocalFeedbackStore(tmp_path / "fb"), [*sent, sent[1]])
    summary = run_report(str(tmp_path / "fb"), tmp_path / "out")
    assert [(d["sha256"], d["copies"]) for d in summary["duplicates"]] == [(records[1].sha256, 2)]
    assert summary["retraining_plan"]["duplicates_dropped"] == 1


def test_report_lists_corrupt_records_instead_of_failing(tmp_path: Path) -> None:
    store(LocalFeedbackStore(tmp_path / "fb"), confusable_corrections(2))
    expected = write_corrupt(tmp_path / "fb")
    summary = run_report(str(tmp_path / "fb"), tmp_path / "out")
    assert {p["key"]: p["kind"] for p in summary["skipped"]} == expected
    markdown = (tmp_path / "out" / "FEEDBACK_REPORT.md").read_text()
    assert all(f"`{key}` ({kind})" in markdown for key, kind in expected.items())


def test_report_shows_what_a_retraining_would_use(tmp_path: Path) -> None:
    store(LocalFeedbackStore(tmp_path / "fb"), confusable_corrections(10))
    summary = run_report(str(tmp_path / "fb"), tmp_path / "out")
    plan = summary["retraining_plan"]
    assert plan["held_out"] + plan["fine_tune_images"] == 10
    assert plan["per_label"]["1"]["copies"] == 4 and plan["replay_images"] == 10_000
    assert json.loads((tmp_path / "out" / "feedback_report.json").read_text()) == summary


def test_report_reads_an_s3_prefix(bucket: str, tmp_path: Path) -> None:
    store(S3FeedbackStore(bucket), confusable_corrections(3))
    summary = run_report(f"s3://{bucket}/feedback/", tmp_path / "out")
    assert (summary["location"], summary["corrected"]) == (f"s3://{bucket}/feedback/", 3)
    assert (tmp_path / "out" / "corrections.png").is_file()
