"""Does the arm64 package's LiteRT answer like the shipped one? Checked on this machine's x86_64.

    python -m infra.litert_parity --data ../shared/data/mnist.npz --out docs/litert-parity.md

The arm64 build ships ai-edge-litert 2.1.0 (requirements.txt: newer aarch64 wheels need a libstdc++
Amazon Linux 2023 lacks); the x86_64 one ships 2.3.0. Nothing here runs aarch64 Python, so the same
release's x86_64 wheel is installed into a throwaway folder (``pip install --no-deps --target``, nothing
touches the virtualenv) and both runtimes read the shipped model through ``handler.classifier`` in
their own processes on the MNIST test images; the probabilities are compared image by image.
What stays unproven: the aarch64 build of 2.1.0 itself (its kernels, XNNPACK's ARM paths) on Lambda.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from infra.build import MODEL_FILE, REPO_ROOT, requirements_for

BATCH = 100


def pinned_litert(machine: str) -> str:
    """The ai-edge-litert version requirements.txt pins for ``machine``."""
    line = next(r for r in requirements_for(machine) if r.startswith("ai-edge-litert=="))
    return line.removeprefix("ai-edge-litert==")


def install_litert(version: str, target: Path) -> None:
    """That release's x86_64 cp313 wheel, alone, into ``target`` (the numpy of this environment serves it)."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "--only-binary=:all:", "--target", str(target), f"ai-edge-litert=={version}"], check=True)


def answers(data: Path, count: int, out: Path, *, litert_dir: Path | None = None) -> dict[str, str]:
    """Run the classifier in a fresh process (LiteRT from ``litert_dir`` when given); probabilities to ``out``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in (litert_dir, REPO_ROOT) if p)}
    command = [sys.executable, "-m", "infra.litert_parity", "--child", str(out), "--data", str(data),
               "--images", str(count)]
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.splitlines()[-1])


def child(data: Path, count: int, out: Path) -> None:
    import ai_edge_litert

    from handler.classifier import DigitClassifier

    with np.load(data) as mnist:
        images = mnist["x_test"][:count].astype(np.float32) / 255.0
    classifier = DigitClassifier(REPO_ROOT / MODEL_FILE)
    np.save(out, np.concatenate([classifier.predict(images[i:i + BATCH]) for i in range(0, count, BATCH)]))
    print(json.dumps({"version": ai_edge_litert.__version__, "from": str(Path(ai_edge_litert.__file__).parent)}))


def compare(data: Path, count: int, scratch: Path) -> dict[str, object]:
    shipped_version, candidate_version = pinned_litert("x86_64"), pinned_litert("aarch64")
    install_litert(candidate_version, scratch / "litert")
    shipped = answers(data, count, scratch / "shipped.npy")
    candidate = answers(data, count, scratch / "candidate.npy", litert_dir=scratch / "litert")
    if (shipped["version"], candidate["version"]) != (shipped_version, candidate_version):
        raise SystemExit(f"parity: ran {shipped['version']} and {candidate['version']}, "
                         f"expected {shipped_version} and {candidate_version}")
    a, b = np.load(scratch / "shipped.npy"), np.load(scratch / "candidate.npy")
    with np.load(data) as mnist:
        labels = mnist["y_test"][:count]
    return {
        "images": count, "shipped": shipped_version, "candidate": candidate_version,
        "identical_rows": int(np.all(a == b, axis=1).sum()),
        "same_digit": int((a.argmax(1) == b.argmax(1)).sum()),
        "max_abs_difference": float(np.abs(a - b).max()),
        "accuracy_shipped": float((a.argmax(1) == labels).mean()),
        "accuracy_candidate": float((b.argmax(1) == labels).mean()),
    }


def render(result: dict[str, object]) -> str:
    return f"""# LiteRT {result['candidate']} (arm64 package) against {result['shipped']} (x86_64 package)

Written by `python -m infra.litert_parity`: both releases' x86_64 wheels read the shipped model
(`{MODEL_FILE}`) through `handler.classifier` in their own processes, on the first
{result['images']} MNIST test images.

| | LiteRT {result['shipped']} | LiteRT {result['candidate']} |
| --- | ---: | ---: |
| accuracy | {result['accuracy_shipped']:.2%} | {result['accuracy_candidate']:.2%} |

- same digit: {result['same_digit']} / {result['images']}; identical probability rows: {result['identical_rows']} / {result['images']};
  largest difference of one probability: {result['max_abs_difference']:.3g}.
- Unproven: this compares the x86_64 builds of the two releases. The arm64 package runs 2.1.0's aarch64
  build (other compiled kernels, XNNPACK's ARM paths), which nothing here can execute; the build checks
  only that every aarch64 library is an aarch64 ELF needing at most GLIBC_2.34 and GLIBCXX_3.4.29.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data" / "mnist.npz")
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--out", type=Path, help="write the Markdown report here (else print it)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.data, args.images, args.child)
        return
    with tempfile.TemporaryDirectory(prefix="litert-parity-") as scratch:
        result = compare(args.data.resolve(), args.images, Path(scratch))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if args.out:
        args.out.write_text(render(result))
    print(render(result))


if __name__ == "__main__":
    main()
