"""Call the digit API from Python with httpx: one picture, a raw body, a batch, and the errors.

    python examples/client.py ../shared/data/samples/any-image/digit-4.png           # multipart upload
    python examples/client.py --raw ../shared/data/samples/any-image/digit-4.png     # the bytes as the body
    python examples/client.py --batch ../shared/data/samples/any-image/digit-*.png   # one call, in order
    python examples/client.py --mode mnist ../shared/data/samples/mnist-28x28/digit-7.jpeg
    python examples/client.py --url https://abc123.execute-api.us-east-1.amazonaws.com digit.png
    DIGIT_API_URL=https://... python examples/client.py digit.png                   # the same, from the environment

Prints ``name: digit (confidence)`` per picture. An error answer prints its status and message and the
script exits 1: the function answers ``{"detail": "..."}``, API Gateway itself ``{"message": "..."}``
(413 over its payload limit, 429 throttled, 503 timeout).
"""

from __future__ import annotations

import argparse
import mimetypes
import os
import sys
from pathlib import Path
from typing import Any

import httpx

LOCAL_URL = "http://127.0.0.1:3000"  # make serve
TIMEOUT_S = 30.0  # a cold start plus a 12 MP photo fits well inside


class ApiError(Exception):
    """An answer that is not a 2xx: its status and the message the service (or the gateway) gave."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status, self.message = status, message


def media_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def answer(response: httpx.Response) -> Any:
    """The JSON of a 2xx answer; else ApiError with ``detail`` (the function) or ``message`` (the gateway)."""
    if response.is_success:
        return response.json()
    try:
        body = response.json()
        message = body.get("detail") or body.get("message") or response.text
    except ValueError:  # not JSON: a proxy in between, say
        message = response.text or response.reason_phrase
    raise ApiError(response.status_code, str(message))


def predict(client: httpx.Client, path: Path, *, mode: str = "auto", raw: bool = False) -> dict[str, Any]:
    """POST /predict: multipart field ``file``, or with ``raw`` the file's bytes as the body."""
    if raw:
        response = client.post("/predict", params={"mode": mode}, content=path.read_bytes(),
                               headers={"content-type": media_type(path)})
    else:
        response = client.post("/predict", params={"mode": mode},
                               files={"file": (path.name, path.read_bytes(), media_type(path))})
    return answer(response)


def predict_batch(client: httpx.Client, paths: list[Path], *, mode: str = "auto") -> list[dict[str, Any]]:
    """POST /predict/batch: repeated field ``files``; the answers come back in the same order."""
    files = [("files", (path.name, path.read_bytes(), media_type(path))) for path in paths]
    return answer(client.post("/predict/batch", params={"mode": mode}, files=files))


def line(path: Path, prediction: dict[str, Any]) -> str:
    return f"{path.name}: {prediction['digit']} (confidence {prediction['confidence']:.3f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+", help="pictures of one digit each")
    parser.add_argument("--url", default=os.environ.get("DIGIT_API_URL", LOCAL_URL),
                        help=f"the API: the stack's ApiUrl on AWS (default: $DIGIT_API_URL, else {LOCAL_URL})")
    parser.add_argument("--mode", choices=["auto", "mnist"], default="auto")
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--raw", action="store_true", help="send each file's bytes as the body, not multipart")
    how.add_argument("--batch", action="store_true", help="all files in one /predict/batch call")
    args = parser.parse_args(argv)

    failed = False
    with httpx.Client(base_url=args.url, timeout=TIMEOUT_S) as client:
        try:
            if args.batch:
                for path, prediction in zip(args.files, predict_batch(client, args.files, mode=args.mode), strict=True):
                    print(line(path, prediction))
                return 0
            for path in args.files:
                try:
                    print(line(path, predict(client, path, mode=args.mode, raw=args.raw)))
                except ApiError as error:  # one bad picture: say so, go on with the others
                    print(f"{path.name}: {error}", file=sys.stderr)
                    failed = True
        except ApiError as error:
            print(f"batch: {error}", file=sys.stderr)
            return 1
        except httpx.HTTPError as error:  # nothing listening, DNS, TLS, timeout
            print(f"cannot reach {args.url}: {error}", file=sys.stderr)
            return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
