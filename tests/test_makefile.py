"""`make help`: every documented task, its description with variables filled in, in one column."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
DOCUMENTED = re.compile(r"^([a-z-]+):.*## ", re.MULTILINE)


def make_help(*overrides: str) -> list[str]:
    completed = subprocess.run(["make", "--no-print-directory", "help", *overrides], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True, timeout=30)
    return completed.stdout.splitlines()


def test_make_help_lists_every_documented_task() -> None:
    tasks = DOCUMENTED.findall((REPO_ROOT / "Makefile").read_text())
    assert [line.split()[1] for line in make_help()] == tasks


def test_make_help_fills_in_the_port() -> None:
    lines = make_help("PORT=8123")
    assert not [line for line in lines if "$(" in line]
    assert any("http://127.0.0.1:8123" in line for line in lines)


def test_make_help_descriptions_start_in_one_column() -> None:
    starts = {re.match(r"  make \S+\s+", line).end() for line in make_help()}
    assert len(starts) == 1
