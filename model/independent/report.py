"""
Title: Independent evaluation of real pictures, per condition, through the Lambda entry point
Description: Generates this package's pictures and sends each to `lambda_handler` as API Gateway would.

Every picture goes as an HTTP API payload 2.0 event (POST /predict?mode=auto, a base64 multipart body)
to ``handler.lambda_function.lambda_handler``, the function AWS runs; nothing else of ``handler/`` is
used. Writes INDEPENDENT_PICTURES.md, independent_pictures.json, independent_failures*.png (every
failure), independent_negative_failures*.png and independent_examples.png into --out.

    python -m model.independent.report --seed 20261201 --per-condition 40 --out model
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

from infra.events import LambdaContext, http_api_event, multipart_body
from model.independent import conditions, negatives
from model.independent.conditions import Picture
from model.independent.markdown import markdown
from model.independent.metrics import Answer, digit_summary, negative_summary, rejected
from model.independent.mnist_digits import DEFAULT_DATA, MnistDigits
from model.independent.sheets import example_grid, failure_sheets

HELD_OUT_SEED = 20261201  # the reported seed; development uses others (INDEPENDENT_PICTURES.md says which)
DEFAULT_PER_CONDITION = 40
EXAMPLES = 6  # per condition on the example grid
EXTENSION = {"JPEG": "jpg", "PNG": "png"}


def ask(handler: Callable, picture: Picture) -> tuple[int, dict]:
    """One POST /predict?mode=auto through the Lambda handler, exactly as API Gateway would invoke it."""
    name = f"{picture.condition}-{picture.index}.{EXTENSION.get(picture.format, 'bin')}"
    body, content_type = multipart_body([("file", name, picture.data, picture.content_type)])
    event = http_api_event("POST", "/predict", body=body, headers={"content-type": content_type},
                           query={"mode": "auto"})
    response = handler(event, LambdaContext())
    return response["statusCode"], json.loads(response.get("body") or "{}")


def answer_of(picture: Picture, status: int, body: dict, ms: float) -> Answer:
    answered = status == 200 and "digit" in body
    return Answer(
        condition=picture.condition, index=picture.index, label=picture.label, source=picture.source, status=status,
        digit=int(body["digit"]) if answered else None, confidence=float(body["confidence"]) if answered else None,
        uncertain=body.get("uncertain") if answered else None, detail=None if answered else body.get("detail"),
        ms=round(ms, 2),
    )


def progress(done: int, total: int, started: float, label: str) -> None:
    width = 30
    filled = int(width * done / max(1, total))
    rate = (time.perf_counter() - started) / max(1, done)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:28]:28s} "
                     f"{rate:.2f} s/picture, {rate * (total - done) / 60:4.1f} min left ")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def jobs(names: Iterable[str], per: int, seed: int, mnist: MnistDigits) -> list[Callable[[], Picture]]:
    out = []
    for name in names:
        generate = negatives.generate if name in negatives.NEGATIVES else conditions.generate
        out += [lambda g=generate, n=name, i=i: g(n, i, seed=seed, mnist=mnist) for i in range(per)]
    return out


def run(names: list[str], per: int, seed: int, mnist: MnistDigits, handler: Callable, *, examples: int = EXAMPLES):
    """Generate and send every picture; returns answers, (bytes, answer) of failures, examples per condition."""
    answers, failures, shown = [], [], {name: [] for name in names}
    todo = jobs(names, per, seed, mnist)
    started, generation_s = time.perf_counter(), 0.0
    for done, job in enumerate(todo, start=1):
        t0 = time.perf_counter()
        picture = job()
        t1 = time.perf_counter()
        status, body = ask(handler, picture)
        answer = answer_of(picture, status, body, (time.perf_counter() - t1) * 1000)
        generation_s += t1 - t0
        answers.append(answer)
        failed = not rejected(answer) if answer.label is None else not answer.right
        if failed:
            failures.append((picture.data, answer))
        if len(shown[picture.condition]) < examples:
            shown[picture.condition].append(picture.data)
        progress(done, len(todo), started, picture.condition)
    timing = {"seconds": round(time.perf_counter() - started, 1), "generation_seconds": round(generation_s, 1)}
    return answers, failures, shown, timing


def model_version(handler: Callable) -> dict:
    response = handler(http_api_event("GET", "/model"), LambdaContext())
    return json.loads(response.get("body") or "{}") if response["statusCode"] == 200 else {}


def summarise(answers: list[Answer], names: list[str]) -> dict:
    digits = [a for a in answers if a.label is not None]
    negative = [a for a in answers if a.label is None]

    def by(key: Callable[[Answer], str]) -> dict[str, list[Answer]]:
        return {k: [a for a in digits if key(a) == k] for k in dict.fromkeys(key(a) for a in digits)}

    return {
        "conditions": {n: digit_summary([a for a in digits if a.condition == n]) for n in names
                          if n in conditions.CONDITIONS},
        "digits": digit_summary(digits) if digits else None,
        "per_source": {k: digit_summary(v) for k, v in by(lambda a: a.source.split(":")[0]).items()},
        "per_style": {k: digit_summary(v) for k, v in sorted(by(lambda a: a.source.split(" ")[0]).items())
                      if k.startswith("strokes:")},
        "per_negative_set": {n: negative_summary([a for a in negative if a.condition == n]) for n in names
                             if n in negatives.NEGATIVES},
        "negatives": negative_summary(negative) if negative else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=HELD_OUT_SEED)
    parser.add_argument("--per-condition", type=int, default=DEFAULT_PER_CONDITION)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="mnist.npz (only x_test[:5000] is read)")
    parser.add_argument("--conditions", default="", help="comma-separated subset (digit conditions and negative sets)")
    args = parser.parse_args(argv)
    # One log line and one metrics document per request would drown the progress bar.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    from handler.lambda_function import lambda_handler  # noqa: PLC0415 (after the log level is set)

    names = [n for n in args.conditions.split(",") if n] or [*conditions.CONDITIONS, *negatives.NEGATIVES]
    unknown = [n for n in names if n not in conditions.CONDITIONS and n not in negatives.NEGATIVES]
    if unknown:
        parser.error(f"unknown conditions: {', '.join(unknown)}")
    answers, failures, shown, timing = run(names, args.per_condition, args.seed, MnistDigits(args.data), lambda_handler)
    args.out.mkdir(parents=True, exist_ok=True)
    report = {
        "seed": args.seed, "held_out_seed": HELD_OUT_SEED, "per_condition": args.per_condition,
        "pictures": len(answers),
        "model": model_version(lambda_handler), "timing": timing,
        "descriptions": {n: conditions.CONDITIONS.get(n, n) for n in names},
        **summarise(answers, names),
        "failures": [asdict(a) for _, a in failures],
    }
    (args.out / "independent_pictures.json").write_text(json.dumps(report, indent=2) + "\n")
    sheets = {
        "digits": failure_sheets(args.out, "independent_failures", [f for f in failures if f[1].label is not None]),
        "negatives": failure_sheets(args.out, "independent_negative_failures",
                                    [f for f in failures if f[1].label is None]),
    }
    example_grid(args.out / "independent_examples.png", shown)
    names_of_sheets = {kind: [path.name for path in paths] for kind, paths in sheets.items()}
    (args.out / "INDEPENDENT_PICTURES.md").write_text(markdown(report, names_of_sheets))
    totals = report["digits"]
    if totals:
        print(f"digits: {totals['pictures']} pictures, accuracy {totals['accuracy']:.1%}, "
              f"confident wrong {totals['confident_wrong']:.1%}, ECE {totals['ece']:.3f}")
    if report["negatives"]:
        print(f"negatives: {report['negatives']['pictures']} pictures, rejected {report['negatives']['rejected']:.1%}")


if __name__ == "__main__":
    main()
