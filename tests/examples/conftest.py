"""The examples run against the API as `make serve` serves it (the browser tests' fixtures, reused)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer, browser, desktop, local_gateway  # noqa: F401 (fixtures)


@pytest.fixture(scope="session")
def api(local_gateway: LiveServer) -> str:  # noqa: F811
    """The base URL of `make serve`'s API Gateway + Lambda emulation on a free 127.0.0.1 port."""
    return local_gateway.url.rstrip("/")
