"""A cold start, run as a fresh process: import the handler (which loads the model), answer one event.

Standard library only, so it runs from a ``sam build`` folder with nothing else on the path:

    PYTHONPATH=<code root> python -S bench/cold_child.py EVENT.json RESULT.json [full-app]

``full-app`` answers through Mangum + FastAPI (built as part of the import), as every request did before
the direct lane: the comparison for the cold start's import profile.
"""

from __future__ import annotations

import time

STARTED = time.time()  # as early as this process can read a clock: interpreter start-up is before it

import json  # noqa: E402
import sys  # noqa: E402
from types import SimpleNamespace  # noqa: E402


def lambda_context() -> SimpleNamespace:
    """The attributes of Lambda's context object that the service reads."""
    return SimpleNamespace(
        function_name="mnist-digit-api", memory_limit_in_mb=512, aws_request_id="cold-start",
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:mnist-digit-api",
        get_remaining_time_in_millis=lambda: 10_000,
    )


def main(event_path: str, result_path: str, entry: str = "lambda_handler") -> None:
    with open(event_path) as file:
        event = json.load(file)
    imported_at = time.perf_counter()
    from handler.lambda_function import full_app, lambda_handler, with_lambda_context  # noqa: PLC0415 - the import is what is measured

    if entry == "full-app":  # the same entry point (Powertools' Lambda context), the app lane only
        lambda_handler = with_lambda_context(full_app())
    answered_at = time.perf_counter()
    response = lambda_handler(event, lambda_context())
    done = time.perf_counter()
    result = {
        "started_epoch": STARTED, "done_epoch": time.time(),
        "import_s": answered_at - imported_at, "first_request_s": done - answered_at,
        "status": response["statusCode"], "body": response["body"][:200],
        "modules": sorted({name.split(".")[0] for name in sys.modules}),
    }
    with open(result_path, "w") as file:
        json.dump(result, file)


if __name__ == "__main__":
    main(*sys.argv[1:4])
