"""The code that ships to AWS Lambda: a FastAPI app that reads a handwritten digit from an image."""

from __future__ import annotations

import os

# numpy's OpenBLAS starts one thread per core when it is imported (tens of ms of every cold start);
# this service's arrays are small and LiteRT runs single-threaded, so one BLAS thread is all it needs.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
