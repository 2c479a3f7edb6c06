"""Figures quoted in the documents, read back to compare with the reports they come from."""

from __future__ import annotations

import re
from decimal import Decimal

from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()
SERVERLESS = (REPO_ROOT / "docs" / "serverless.md").read_text()


def stated(pattern: str, text: str) -> list[Decimal]:
    """The numbers ``pattern``'s groups capture in ``text``; the test fails when the sentence is gone."""
    match = re.search(pattern, text)
    assert match, f"no longer stated: {pattern!r}"
    return [Decimal(group) for group in match.groups()]


def same_to_stated_digits(stated_value: Decimal, measured: float) -> bool:
    """``measured`` rounded to as many decimals as the document gives equals what it states."""
    step = Decimal(1).scaleb(stated_value.as_tuple().exponent)
    return abs(Decimal(str(measured)) - stated_value) <= step / 2
