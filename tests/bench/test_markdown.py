"""bench/REPORT.md is bench/report.json rendered, and speaks of what it measures only."""

from __future__ import annotations

import json
import re

import pytest

from bench.markdown import MISSED_NOTES, render
from bench.report import CHART
from tests.conftest import REPO_ROOT

BENCH = REPO_ROOT / "bench"
# Wording about how the project was made (issues, helpers, whose files) rather than what is measured.
PROJECT_HISTORY = re.compile(r"\bissue \d+|\bhelper|another .*'s files", re.IGNORECASE)


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads((BENCH / "report.json").read_text())


def test_committed_report_markdown_is_its_json_rendered(committed: dict) -> None:
    assert (BENCH / "REPORT.md").read_text() == render(committed, CHART)


def test_report_names_no_issue_or_helper(committed: dict) -> None:
    text = render(committed, CHART) + "\n".join(MISSED_NOTES.values())
    assert PROJECT_HISTORY.findall(text) == []

