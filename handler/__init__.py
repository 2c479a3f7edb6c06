"""The code that ships to AWS Lambda: a FastAPI app that reads a handwritten digit from an image."""

from __future__ import annotations

import os

# Both before numpy and pydantic are imported, to shorten every cold start (an explicit env var wins):
# numpy's OpenBLAS starts one thread per core at import, yet this service's arrays are small and LiteRT
# runs single-threaded; pydantic scans every installed distribution for plugins, and this service has none.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
