"""Small helpers for the local servers that tools and tests start: a free loopback port, a clean stop."""

from __future__ import annotations

import socket
import subprocess

STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now (released before returning)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout_s``; always reaped."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
