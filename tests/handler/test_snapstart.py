"""SnapStart runtime hooks, run as Lambda would run them: registered by the handler, called from the registry."""

from __future__ import annotations

import json
import random

import snapshot_restore_py

from handler import snapstart
from tests.utils import invoke


def test_handler_registers_both_hooks() -> None:
    import handler.lambda_function  # noqa: F401 - registers at import, once per process

    assert snapstart.warm_up in [hook for hook, _, _ in snapshot_restore_py.get_before_snapshot()]
    assert snapstart.reset_after_restore in [hook for hook, _, _ in snapshot_restore_py.get_after_restore()]


def test_handler_builds_the_full_app_before_the_snapshot() -> None:
    """The warm-up request takes the direct lane, which never imports FastAPI: the app is built apart."""
    from handler.lambda_function import full_app

    assert (full_app, (), {}) in snapshot_restore_py.get_before_snapshot()


def test_before_snapshot_reads_a_digit_through_the_handler() -> None:
    from handler.lambda_function import lambda_handler

    [(hook, args, kwargs)] = [entry for entry in snapshot_restore_py.get_before_snapshot() if entry[0] is snapstart.warm_up]
    response = hook(*args, **kwargs)
    assert args == (lambda_handler,) and response["statusCode"] == 200
    assert json.loads(response["body"])["digit"] == "1"


def test_before_snapshot_request_is_labelled_in_its_log_line(capsys) -> None:
    from handler.lambda_function import lambda_handler

    snapstart.warm_up(lambda_handler)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [line] = [entry for entry in lines if entry.get("message") == "request"]
    assert (line["correlation_id"], line["function_request_id"]) == (snapstart.WARM_UP_ID, snapstart.WARM_UP_ID)


def request_lines(capsys) -> list[dict]:
    return [entry for entry in map(json.loads, (x for x in capsys.readouterr().out.splitlines() if x.startswith("{")))
            if entry.get("message") == "request"]


def test_after_restore_makes_the_next_request_a_cold_start(capsys) -> None:
    invoke("GET", "/health")
    invoke("GET", "/health")
    for hook, args, kwargs in snapshot_restore_py.get_after_restore():
        hook(*args, **kwargs)
    invoke("GET", "/health")
    invoke("GET", "/health")
    assert [line["cold_start"] for line in request_lines(capsys)][1:] == [False, True, False]


def test_after_restore_reseeds_random() -> None:
    random.seed(1234)  # what every copy restored from one snapshot would share
    snapstart.reset_after_restore()
    after = random.random()
    random.seed(1234)
    assert after != random.random()
