"""Invoke the template's function once with an event file, like `sam local invoke`, without Docker.

    python -m infra.invoke infra/events/predict.json       # what `make invoke EVENT=...` runs

The function's answer is printed on stdout as JSON; its logs and the START/END/REPORT lines go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from infra.lambda_worker import WarmFunction
from infra.sam_template import read_api

REPO_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("event", type=Path, help="a JSON event (samples: infra/events/*.json); - for stdin")
    parser.add_argument("--template", type=Path, default=REPO_ROOT / "template.yaml")
    parser.add_argument("--code-dir", type=Path, help="invoke this package (e.g. .aws-sam/build/DigitFunction)")
    args = parser.parse_args(argv)
    event = json.load(sys.stdin if str(args.event) == "-" else args.event.open())
    function = read_api(args.template.resolve()).function
    if args.code_dir:
        function = replace(function, code_dir=args.code_dir.resolve())
    answer = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # the worker inherits it: its logs go to stderr
    worker = WarmFunction(function, log=sys.stderr)
    try:
        result = worker.invoke(event)
    finally:
        worker.stop()
    answer.write(json.dumps(result.payload if result.ok else result.error) + "\n")
    answer.flush()
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
