"""Every hostile input through ``lambda_handler`` with real events: the documented status, a clear JSON
``detail``, and the next good request still answered."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from infra.events import multipart_body
from tests.reliability.hostile_corpus import HostileInput, build_corpus, digit_image, encode, png_upload
from tests.reliability.lambda_calls import EVENT_BUILDERS, LambdaAnswer, call_lambda

MIN_DETAIL_CHARS, MAX_DETAIL_CHARS = 5, 300  # a word or a sentence, never a dump
LEAK_MARKERS = ("Traceback", 'File "', "site-packages", "/var/task", "Exception", "internal error", "PIL", "Plugin",
                "MAX_TEXT", "<script>", "\x00")
CORPUS = build_corpus()
STATUSES: Counter[int] = Counter()


@cache
def good_request() -> tuple[bytes, dict[str, str]]:
    body, content_type = multipart_body([png_upload(encode(digit_image()))])
    return body, {"content-type": content_type}


def send(item: HostileInput, payload: str) -> LambdaAnswer:
    body, headers = item.request()
    return call_lambda(item.method, item.path, body=body, headers=headers, query=item.query, payload=payload,
                       event_overrides=item.event)


def assert_clear_error(answer: LambdaAnswer, phrase: str = "") -> None:
    assert answer.headers["content-type"].startswith("application/json")
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and MIN_DETAIL_CHARS <= len(detail) <= MAX_DETAIL_CHARS, detail
    assert detail.isprintable() and phrase in detail, detail
    assert not any(marker in detail for marker in LEAK_MARKERS), detail


def assert_prediction(answer: LambdaAnswer) -> None:
    body = answer.json()
    assert body["digit"] in "0123456789" and len(body["probabilities"]) == 10
    assert 0.0 <= body["confidence"] <= 1.0


@pytest.mark.parametrize("payload", list(EVENT_BUILDERS))
@pytest.mark.parametrize("item", CORPUS, ids=[item.name for item in CORPUS])
def test_lambda_handler_hostile_input_gets_documented_answer(item, payload, figures):
    answer = send(item, payload)
    STATUSES[answer.status] += 1
    figures["hostile corpus"] = {"inputs": len(CORPUS), "requests": STATUSES.total(),
                                 "statuses": dict(sorted(STATUSES.items()))}
    assert answer.status == item.status, f"{item.why}: {answer.text[:200]}"
    if item.status == 200:
        assert_prediction(answer)
    elif item.status == 201:
        assert answer.json()["label"] in "0123456789"
    else:
        assert_clear_error(answer, item.detail)


@pytest.mark.parametrize("item", CORPUS, ids=[item.name for item in CORPUS])
def test_lambda_handler_answers_good_request_after_hostile_input(item):
    send(item, "2.0")
    body, headers = good_request()
    answer = call_lambda("POST", "/predict", body=body, headers=headers)
    assert answer.status == 200
    assert_prediction(answer)
