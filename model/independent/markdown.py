"""INDEPENDENT_PICTURES.md from the report's dictionary (the same figures as independent_pictures.json)."""

from __future__ import annotations


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


DIGIT_HEAD = ("| {first} | pictures | accuracy | abstained (4xx) | confident wrong | confident right | ECE "
              "| uncertain |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")


def _digit_row(name: str, row: dict, bold: bool = False) -> str:
    cells = [str(row["pictures"]), _pct(row["accuracy"]), _pct(row["abstained"]), _pct(row["confident_wrong"]),
             _pct(row["confident_right"]), f"{row['ece']:.3f}", _pct(row["uncertain"])]
    if bold:
        cells = [f"**{c}**" for c in cells]
    return f"| {name} | " + " | ".join(cells) + " |"


def _negative_row(name: str, row: dict, bold: bool = False) -> str:
    cells = [str(row["pictures"]), _pct(row["rejected"]), _pct(row["refused_422"]), _pct(row["uncertain"]),
             _pct(row["low_confidence"]), _pct(row["confident_digit"])]
    if bold:
        cells = [f"**{c}**" for c in cells]
    return f"| {name} | " + " | ".join(cells) + " |"


def _digit_tables(report: dict) -> list[str]:
    lines = ["## Digits, per condition", "", DIGIT_HEAD.format(first="condition")]
    lines += [_digit_row(f"`{name}`", row) for name, row in report["conditions"].items()]
    lines += [_digit_row("**all digit pictures**", report["digits"], bold=True), "", "What each condition is:", ""]
    lines += [f"- `{name}`: {report['descriptions'][name]}" for name in report["conditions"]]
    lines += ["", "## Digits, per writer", "", DIGIT_HEAD.format(first="source")]
    lines += [_digit_row(name, row) for name, row in report["per_source"].items()]
    lines += ["", "Stroke digits per writing style (all conditions together; styles MNIST lacks are listed in "
              "`model/independent/glyphs.py` `UNUSUAL`):", "", DIGIT_HEAD.format(first="style")]
    lines += [_digit_row(name.split(":", 1)[1], row) for name, row in report["per_style"].items()]
    return lines + [""]


def _negative_tables(report: dict) -> list[str]:
    lines = ["## Negatives: pictures that hold no single digit", "",
             "| set | pictures | rejected (4xx or uncertain) | 422 | uncertain | answered, confidence < 0.5 "
             "| answered, confidence >= 0.9 |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [_negative_row(f"`{name}`", row) for name, row in report["per_negative_set"].items()]
    lines += [_negative_row("**all negatives**", report["negatives"], bold=True), ""]
    return lines


def markdown(report: dict, sheets: dict[str, list[str]]) -> str:
    model = report.get("model") or {}
    seconds = report["timing"]["seconds"]
    lines = [
        "# Independent evaluation of real pictures",
        "",
        f"{report['pictures']} generated pictures, seed {report['seed']}, {report['per_condition']} per condition "
        f"and per negative set; model `{model.get('name', '?')}` version `{model.get('version', '?')}` "
        f"({model.get('variant', '?')}). Regenerate: `python -m model.independent.report --seed {report['seed']} "
        f"--per-condition {report['per_condition']} --out DIR` (`make real-pictures`); this run took "
        f"{seconds / 60:.1f} min ({seconds / max(1, report['pictures']) * 1000 / 60:.0f} min per 1000 pictures, "
        f"{report['timing']['generation_seconds'] / 60:.1f} min of it generating).",
        "",
        "Every picture is sent to `handler.lambda_function.lambda_handler` as an API Gateway HTTP API payload 2.0 "
        "event (POST /predict?mode=auto, multipart body, base64), so the figures are what a caller gets. "
        "Rates are over all pictures of the row; a refusal (422) counts as an abstention, never as right. "
        "Confident = `confidence` >= 0.9. ECE: 15 equal-width bins on `confidence`, over the answered pictures. "
        "`uncertain`: share of answered pictures marked `uncertain: true` (n/a while the service has no such field).",
        "",
    ]
    if report["digits"]:
        lines += _digit_tables(report)
    if report["negatives"]:
        lines += _negative_tables(report)
    lines += [
        "## How it was made, and what \"independent\" means here",
        "",
        "- The generator (`model/independent/`) was written from scratch for this evaluation, before any tuning "
        "against it, by someone other than the author of the training-side generator. It imports and copies nothing "
        "from `model/capture.py`, `model/real_pictures.py`, `model/digit_strokes.py` or `handler/`; the only project "
        "code it calls is `lambda_handler` (and `infra/events.py` to build the events).",
        "- Digits: half are this package's stroke digits (hand-designed control points, several styles per digit "
        "including ones MNIST lacks, a random hand: slant, tilt, wobble, pen width, pressure), half are MNIST test "
        "digits `x_test[:5000]` (evaluation only, never training), upscaled bicubically, blurred a little and "
        "thresholded to ink. Labels are balanced in every condition (`index % 10`). A few MNIST test digits are "
        "ambiguous even to a person; they are kept, as drawn, not filtered by any model.",
        "- Each picture is a pure function of (seed, condition, index). The reported seed "
        f"({report['held_out_seed']}) is held out: development and tuning use other seeds: 1-13, whose MNIST digits "
        "come from `x_test[:5000]` like this set's, and 21-25, with digits of MNIST's validation split in their place."
        + ("" if report["seed"] == report["held_out_seed"] else f" This run used seed {report['seed']}."),
        "",
        "## Pictures",
        "",
        "What each condition looks like (its first pictures): ![examples](independent_examples.png)",
        "",
        "Every digit failure (wrong or refused), with the upload as a person sees it, the true label, the answer and "
        "its confidence: " + ", ".join(f"[{name}]({name})" for name in sheets.get("digits", [])) + ".",
        "",
        "Every negative that came back as a digit (neither refused nor uncertain): "
        + ", ".join(f"[{name}]({name})" for name in sheets.get("negatives", [])) + ".",
        "",
    ]
    return "\n".join(lines)
