"""Figures the reliability tests measure (requests, errors, latencies, memory), printed after the run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

FIGURES: dict[str, dict[str, object]] = {}
FIGURES_FILE = Path(__file__).resolve().parents[2] / "test-output" / "reliability-figures.json"


@pytest.fixture(scope="session")
def figures() -> dict[str, dict[str, object]]:
    """Tests record what they measured here; it is printed whatever pytest's capture settings are."""
    return FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for name, values in FIGURES.items():
        terminalreporter.write_line(f"{name}: " + ", ".join(f"{key}={value}" for key, value in values.items()))
    FIGURES_FILE.parent.mkdir(exist_ok=True)
    FIGURES_FILE.write_text(json.dumps(FIGURES, indent=2) + "\n")


@pytest.fixture(scope="session")
def emulator_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The local API Gateway + Lambda (RIE) emulation of template.yaml on 127.0.0.1, two execution environments."""
    from infra.loadtest import running_emulator, warm_up

    workers = 2  # this machine's cores; Lambda would scale out further
    with running_emulator(workers=workers, log=tmp_path_factory.mktemp("emulator") / "emulator.log") as url:
        warm_up(url, workers)
        yield url
