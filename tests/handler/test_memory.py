"""handler.memory: freed buffers stay in the process, so a warm request does not fault its pages in again."""

import subprocess
import sys
from pathlib import Path

import pytest

from handler import memory
from handler.config import Settings

# A request's pattern: twenty 250 KB buffers alive at once, all freed at the end; then the same again.
PATTERN = """
import resource, sys
import numpy as np
from handler.memory import keep_freed_memory
keep_freed_memory(int(sys.argv[1]))
def request():
    live = [np.ones(62_500, dtype=np.float32) for _ in range(20)]
    return sum(float(buffer[0]) for buffer in live)
request()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    request()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5)
"""


def page_faults_per_request(keep_bytes: int) -> float:
    done = subprocess.run([sys.executable, "-c", PATTERN, str(keep_bytes)], capture_output=True, text=True,
                          check=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    return float(done.stdout.strip())


def test_zero_leaves_malloc_alone():
    memory.keep_freed_memory.cache_clear()
    try:
        assert memory.keep_freed_memory(0) is False
    finally:
        memory.keep_freed_memory.cache_clear()


def test_the_setting_defaults_to_keeping_32_mib(monkeypatch):
    assert Settings().KEEP_FREED_BYTES == 32 * 1024 * 1024
    monkeypatch.setenv("KEEP_FREED_BYTES", "0")
    assert Settings().KEEP_FREED_BYTES == 0


@pytest.mark.skipif(not sys.platform.startswith("linux") or memory._glibc() is None, reason="glibc's mallopt only")
def test_kept_memory_is_reused_without_page_faults():
    # glibc's defaults trim the freed 5 MB and fault it in again: over a thousand pages per request
    assert page_faults_per_request(0) > 500
    assert page_faults_per_request(32 * 1024 * 1024) < 50
