"""Invoke the template's function once with an event file, like `sam local invoke`, without Docker:
the event goes to AWS's Runtime Interface Emulator running awslambdaric (infra/rie.py).

    python -m infra.invoke infra/events/predict.json       # what `make invoke EVENT=...` runs

The function's answer (or Lambda's error object) is printed on stdout as JSON; the function's logs and
RIE's START / END / REPORT lines go to stderr. The exit status is 1 when the invocation failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from infra.rie import ExecutionEnvironment, RieUnavailable, check_runtime_client, find_rie
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
    try:
        check_runtime_client()
        environment = ExecutionEnvironment(function, rie=find_rie(), log=sys.stderr)
        result = environment.invoke(event)
    except RieUnavailable as error:
        raise SystemExit(f"invoke: {error}") from None
    finally:
        if "environment" in locals():
            environment.stop()
    print(json.dumps(result.payload if result.ok else result.error), flush=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
