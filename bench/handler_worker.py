"""One warm Lambda worker, in its own process: real payload 2.0 events through ``lambda_handler``, then
the TFLite models alone. Writes JSON to ``--out`` (stdout carries the service's own log lines).

    PYTHONPATH=<code root>:<repo> python -m bench.handler_worker --inputs DIR --models DIR --out FILE
"""

from __future__ import annotations

import argparse
import io
import json
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from bench.inputs import Scenario, read_manifest, read_number_scenario, upload_bytes
from bench.stats import Budget, peak_rss_mib, summarize, time_calls, time_interleaved
from infra.events import LambdaContext, http_api_event, multipart_body

# Per-scenario budgets for the full run; --scale shrinks them (quick mode).
WARM_BUDGETS = {
    "png28_mnist": Budget(samples=500, seconds=4.0),
    "jpeg_1mp_auto": Budget(samples=200, seconds=6.0),
    "jpeg_12mp_auto": Budget(samples=80, seconds=8.0),
    "batch16_mnist": Budget(samples=200, seconds=5.0),
}
NUMBER_BUDGET = Budget(samples=100, seconds=6.0)  # the number photo, apart: the baseline reads no numbers
MODEL_BUDGET = Budget(samples=2000, seconds=2.0, warmup=20)
MODEL_BATCHES = (1, 32)
MODEL_LOADS = 5
PROFILED = ("jpeg_1mp_auto", "jpeg_12mp_auto")  # where the time goes, for the requests that take time
PHOTOS = PROFILED  # measured beside their decode floor
# The floor decodes to the largest DCT reduction whose longest side is at least this: ~512 px (576 for 1 MP, 500 for 12 MP).
FLOOR_SIDE = 384
WEB_LAYER = ("png28_mnist", "jpeg_1mp_auto")
WEB_BUDGET = Budget(samples=300, seconds=2.0, warmup=5)
PROFILE_CALLS = 30
PROFILE_ROWS = 12


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=Path, required=True, help="folder written by bench.inputs")
    parser.add_argument("--models", type=Path, required=True, help="folder with mnist_cnn_{float32,int8}.tflite")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full run's samples and time")
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def scenario_event(folder: Path, scenario: Scenario) -> dict[str, Any]:
    field = "files" if scenario.route.endswith("/batch") else "file"
    uploads = [(field, name, data, scenario.content_type)
               for name, data in zip(scenario.files, upload_bytes(folder, scenario), strict=True)]
    body, content_type = multipart_body(uploads)
    return http_api_event("POST", scenario.route, body=body, headers={"content-type": content_type},
                          query={"mode": scenario.mode})


def measure_scenario(handler: Any, folder: Path, scenario: Scenario, budget: Budget) -> dict[str, Any]:
    """Latency of one kind of request, warm; checks every answer is a 200 and records what it read."""
    template = scenario_event(folder, scenario)
    state: dict[str, Any] = {}

    def prepare() -> None:  # a fresh request id and context per call, as API Gateway and Lambda give
        event = {**template, "requestContext": {**template["requestContext"], "requestId": str(uuid.uuid4())}}
        state.update(event=event, context=LambdaContext())

    def call() -> None:
        response = handler(state["event"], state["context"])
        if response["statusCode"] != 200:
            raise RuntimeError(f"{scenario.name}: status {response['statusCode']}: {response['body'][:300]}")
        state["response"] = response

    floor: dict[str, Any] = {}
    if scenario.name in PHOTOS:  # taken in turns with the requests, so their ratio survives a busy machine
        [data] = upload_bytes(folder, scenario)
        taken = time_interleaved({"request": call, "floor": lambda: reduced_grey_decode(data)}, budget,
                                 prepare=prepare)
        timings = taken["wall"]["request"]
        floor = {"decode_floor": summarize(taken["wall"]["floor"]),
                 "cpu": {"request": summarize(taken["cpu"]["request"]), "decode_floor": summarize(taken["cpu"]["floor"])}}
    else:
        timings = time_calls(call, budget, prepare=prepare)
    answer = json.loads(state["response"]["body"])
    if isinstance(answer, dict) and "number" in answer:
        digits = [int(digit) for digit in answer["number"]]
    else:
        digits = [int(item["digit"]) for item in (answer if isinstance(answer, list) else [answer])]
    return {
        **summarize(timings), **floor,
        "per_image": summarize(timings, per=len(scenario.files)),
        "request_bytes": len(template["body"]) * 3 // 4,  # base64 in the event; bytes on the wire
        "digits": digits, "labels": scenario.labels, "correct": digits == scenario.labels,
    }


def reduced_grey_decode(data: bytes) -> None:
    """A photo's floor, as the issue defines it: its JPEG decoded in grey reduced to about 512 px (the DCT
    reduction, Pillow ``draft``, that keeps the longest side at least FLOOR_SIDE), nothing else: no colour, no
    resize, no array. Fixed here, apart from the service's own choice of reduction, so that decoding less in
    the service shows as a lower ratio rather than a lower floor."""
    from PIL import Image

    from handler.decode import draft_size

    image = Image.open(io.BytesIO(data))
    image.draft("L", draft_size(image.size, FLOOR_SIDE))
    image.load()


def web_layer(folder: Path, scenario: Scenario) -> dict[str, Any]:
    """The web layer's own work on one request, each part timed alone: the event body's base64, the
    multipart parse, the answer's JSON and the log line with its metrics document (the image work and the model are the rest)."""
    from handler.config import get_settings
    from handler.direct import decode_base64
    from handler.observability import get_logger, get_metrics, record_request
    from handler.service import calibration_for, load_classifier, model_input_for, read_digits
    from handler.uploads import parse_upload

    event = scenario_event(folder, scenario)
    body = decode_base64(event["body"])
    content_type = event["headers"]["content-type"]
    settings = get_settings()
    logger = get_logger(settings.SERVICE_NAME, settings.LOG_LEVEL)
    metrics = get_metrics(settings.METRICS_NAMESPACE, settings.SERVICE_NAME)
    data, part_type, _ = parse_upload(body, content_type)
    [prediction] = read_digits(load_classifier(settings.MODEL_PATH),
                               [model_input_for(data, part_type, scenario.mode, settings)], scenario.mode,  # type: ignore[arg-type]
                               calibration=calibration_for(settings))
    fields = {"digit": prediction.digit, "confidence": round(prediction.confidence, 4), "uncertain": prediction.uncertain}
    parts = {
        "base64": lambda: decode_base64(event["body"]),  # as the direct lane decodes it
        "multipart": lambda: parse_upload(body, content_type),
        "json": prediction.model_dump_json,
        "log_line": lambda: record_request(logger, metrics, request_id="bench", method="POST", route=scenario.route,
                                           path=scenario.route, status=200, started=time.perf_counter(),
                                           fields=fields, on_lambda=False),
    }
    return {name: summarize(time_calls(call, WEB_BUDGET))["p50_ms"] for name, call in parts.items()}


def where_time_goes(folder: Path, scenario: Scenario, calls: int) -> dict[str, Any]:
    """Where a request's image work goes: ``service.model_input_for`` (decode + preprocess) timed in turns
    with the whole request (CPU time: a busy machine slows both alike), then profiled; ms per call in each of
    the service's functions, cumulative (a caller includes its callees).
    Profiled outside the event loop: cProfile misattributes time across coroutine switches."""
    import cProfile
    import pstats

    from handler.config import get_settings
    from handler.lambda_function import lambda_handler
    from handler.service import model_input_for

    [data] = upload_bytes(folder, scenario)
    event = scenario_event(folder, scenario)
    settings = get_settings()

    def call() -> None:
        model_input_for(data, scenario.content_type, scenario.mode, settings)  # type: ignore[arg-type]

    timings = time_interleaved({"request": lambda: lambda_handler(event, LambdaContext()), "model_input_for": call},
                               Budget(samples=calls, seconds=5.0))["cpu"]
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        call()
    profile.disable()
    # No line numbers: the committed report would name stale lines after the next edit.
    rows = [(cumulative * 1000 / calls, f"{Path(file).parent.name}/{Path(file).name} {name}")
            for (file, _, name), (_, _, _, cumulative, _) in pstats.Stats(profile).stats.items()  # type: ignore[attr-defined]
            if Path(file).parent.name == "handler" and name != "call"]
    rows.sort(reverse=True)
    return {"calls": calls, "request": summarize(timings["request"]), "model_input_for": summarize(timings["model_input_for"]),
            "functions": [{"function": name, "ms": round(ms, 3)} for ms, name in rows[:PROFILE_ROWS]]}


def batch_of(images: np.ndarray, size: int) -> np.ndarray:
    return np.resize(images, (size, *images.shape[1:])).astype(np.float32)


def measure_interpreter(model_path: Path, images: np.ndarray, budget: Budget) -> dict[str, Any]:
    """The model alone: LiteRT set_tensor + invoke + get_tensor, and the service's ``DigitClassifier``."""
    from ai_edge_litert.interpreter import Interpreter

    from handler.classifier import DigitClassifier

    result: dict[str, Any] = {"file": model_path.name, "size_bytes": model_path.stat().st_size}
    classifier = DigitClassifier(model_path)
    for batch in MODEL_BATCHES:
        x = batch_of(images, batch)
        interpreter = Interpreter(model_path=str(model_path), num_threads=1)
        detail = interpreter.get_input_details()[0]
        interpreter.resize_tensor_input(detail["index"], [batch, 28, 28, 1])
        interpreter.allocate_tensors()
        raw = classifier._quantize(x[..., np.newaxis])  # the same input encoding as the service
        output = interpreter.get_output_details()[0]["index"]

        def invoke(
            interpreter: Any = interpreter, raw: np.ndarray = raw, index: int = detail["index"], out: int = output
        ) -> None:
            interpreter.set_tensor(index, raw)
            interpreter.invoke()
            interpreter.get_tensor(out)

        result[f"batch{batch}"] = {
            "interpreter": summarize(time_calls(invoke, budget), per=batch),
            "classifier": summarize(time_calls(lambda x=x: classifier.predict(x), budget), per=batch),
        }
    return result


def measure_model_load(model_path: Path) -> float:
    """Median seconds to build a ready ``DigitClassifier`` (file read, interpreter, tensors)."""
    from handler.classifier import DigitClassifier

    timings = []
    for _ in range(MODEL_LOADS):
        started = time.perf_counter()
        DigitClassifier(model_path).predict(np.zeros((1, 28, 28), dtype=np.float32))
        timings.append(time.perf_counter() - started)
    return float(np.median(timings))


def mapped_files() -> list[str]:
    """Every file this process has mapped (shared libraries above all): what a package cannot drop."""
    paths = {line.split(maxsplit=5)[5].strip() for line in Path("/proc/self/maps").read_text().splitlines()
             if len(line.split(maxsplit=5)) == 6}
    return sorted(p for p in paths if p.startswith("/"))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from handler.config import get_settings
    from handler.lambda_function import lambda_handler

    scenarios = read_manifest(args.inputs)
    warm = {s.name: measure_scenario(lambda_handler, args.inputs, s, WARM_BUDGETS[s.name].scaled(args.scale))
            for s in scenarios}
    number = read_number_scenario(args.inputs)
    number_result = measure_scenario(lambda_handler, args.inputs, number, NUMBER_BUDGET.scaled(args.scale)) \
        if number else None
    peak_rss = peak_rss_mib()  # before the extra models load
    maps = mapped_files()
    calls = max(3, round(PROFILE_CALLS * args.scale))
    profiles = {s.name: where_time_goes(args.inputs, s, calls) for s in scenarios if s.name in PROFILED}
    web = {s.name: web_layer(args.inputs, s) for s in scenarios if s.name in WEB_LAYER}
    from PIL import Image

    batch = next(s for s in scenarios if len(s.files) > 1)
    images = np.stack([np.asarray(Image.open(args.inputs / f), dtype=np.float32) / 255.0 for f in batch.files])
    model_budget = MODEL_BUDGET.scaled(args.scale)
    variants = {p.stem.removeprefix("mnist_cnn_"): measure_interpreter(p, images, model_budget)
                for p in sorted(args.models.glob("mnist_cnn_*.tflite"))}
    shipped = Path(get_settings().MODEL_PATH)
    result = {
        "warm": warm, "number": number_result and {"title": number.title, **number_result}, "peak_rss_mib": peak_rss,
        "mapped_files": maps, "profiles": profiles, "web_layer": web,
        "model_only": variants, "shipped_model": str(shipped), "model_load_s": measure_model_load(shipped),
    }
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
