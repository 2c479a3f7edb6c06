"""Keep freed memory in the process between requests (glibc's malloc), instead of handing it back to the kernel.

A photo's ink work allocates and frees some hundred numpy buffers of 60 KB to 4 MB per request. With glibc's
defaults each one above the mmap threshold (128 KB, raised as such blocks are freed) is mapped and unmapped,
and the heap's free top is trimmed, so the next request faults every page in again: about a sixth of a 1 MP
photo's time on the bench's machine. Kept, the pages are reused warm. The memory a warm Lambda holds is that
of its largest request either way (its peak); only the giving back stops, up to ``keep_bytes``.

Elsewhere (macOS, musl, Windows) there is no ``mallopt`` and this does nothing.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache

# mallopt's parameters, from glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Blocks from here up are still mapped apart and returned at once: a 40 MP decode's buffers, not a photo's arrays.
MMAP_THRESHOLD = 8 * 1024 * 1024


@lru_cache(maxsize=1)
def keep_freed_memory(keep_bytes: int) -> bool:
    """Ask malloc to keep up to ``keep_bytes`` of freed heap and to serve blocks under ``MMAP_THRESHOLD`` from
    the heap; 0 leaves its defaults. True when the C library took both settings. Once per process."""
    if keep_bytes <= 0:
        return False
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(libc.mallopt(M_TRIM_THRESHOLD, keep_bytes))


def _glibc() -> ctypes.CDLL | None:
    try:  # by its soname: ctypes.util.find_library runs ldconfig, too slow for a cold start
        libc = ctypes.CDLL("libc.so.6")
        libc.gnu_get_libc_version  # glibc only: musl's mallopt ignores these parameters
    except (OSError, AttributeError):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    return libc
