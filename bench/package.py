"""Deployment package size: the ``sam build`` folder when there is one, else an estimate from the
installed distributions that ``requirements.txt`` pulls in (what ``sam build`` would copy)."""

from __future__ import annotations

import os
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

MIB = 1024 * 1024
TOP_ENTRIES = 12
NATIVE_SUFFIXES = (".so",)


def closure(requirements: list[str]) -> list[metadata.Distribution]:
    """Installed distributions needed by ``requirements`` (names, with or without pins), transitively."""
    seen: dict[str, metadata.Distribution] = {}
    pending = [Requirement(line) for line in requirements]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in seen or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
            continue
        seen[name] = metadata.distribution(requirement.name)
        pending.extend(Requirement(r) for r in seen[name].requires or [])
    return sorted(seen.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def distribution_files(distributions: list[metadata.Distribution]) -> list[Path]:
    """The files pip installed for them inside site-packages: no scripts, no ``.pyc`` (sam ships none)."""
    files = []
    for distribution in distributions:
        for entry in distribution.files or []:
            if entry.parts[0] == ".." or "__pycache__" in entry.parts:
                continue
            path = Path(str(distribution.locate_file(entry)))
            if path.is_file():
                files.append(path)
    return files


def folder_files(folder: Path) -> list[Path]:
    return [Path(root) / name for root, _, names in os.walk(folder) for name in names
            if not (Path(root) / name).is_symlink()]


def zipped_bytes(files: list[Path], root: Path | None) -> int:
    """Size of a deflate zip of ``files`` (the archive Lambda receives), written to a temporary file."""
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "package.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in files:
                bundle.write(path, path.relative_to(root) if root else Path(*path.parts[1:]))
        return archive.stat().st_size


def top_level(files: list[Path], root_of: dict[Path, str]) -> list[dict[str, Any]]:
    """The biggest top-level folders/packages, in MiB."""
    sizes: dict[str, int] = {}
    for path in files:
        key = root_of[path]
        sizes[key] = sizes.get(key, 0) + path.stat().st_size
    ranked = sorted(sizes.items(), key=lambda item: -item[1])[:TOP_ENTRIES]
    return [{"name": name, "mib": round(size / MIB, 2)} for name, size in ranked]


def unmapped_native(files: list[Path], mapped: list[str]) -> dict[str, Any]:
    """Shared libraries in the package that a warm worker never mapped: candidates to drop (prove first)."""
    loaded = {os.path.realpath(p) for p in mapped}
    unused = [p for p in files if p.name.endswith(NATIVE_SUFFIXES) and os.path.realpath(p) not in loaded]
    unused.sort(key=lambda p: -p.stat().st_size)
    return {
        "mib": round(sum(p.stat().st_size for p in unused) / MIB, 2),
        "largest": [{"file": p.name, "mib": round(p.stat().st_size / MIB, 2)} for p in unused[:8]],
    }


def measure_folder(folder: Path, mapped: list[str]) -> dict[str, Any]:
    files = folder_files(folder)
    root_of = {p: p.relative_to(folder).parts[0] for p in files}
    return {
        "source": f"build folder {folder}", "estimate": False,
        "unzipped_mib": round(sum(p.stat().st_size for p in files) / MIB, 2),
        "unzipped_mb": round(sum(p.stat().st_size for p in files) / 1e6, 2),
        "zipped_mib": round(zipped_bytes(files, folder) / MIB, 2),
        "files": len(files), "pyc_files": sum(p.suffix == ".pyc" for p in files),
        "top_level": top_level(files, root_of), "unmapped_native": unmapped_native(files, mapped),
    }


def estimate(
    requirements: list[str], extra: dict[Path, str], mapped: list[str], *, zipped: bool
) -> dict[str, Any]:
    """The same figures from installed distributions plus ``extra`` files (path -> the name it counts under)."""
    distributions = closure(requirements)
    root_of: dict[Path, str] = {}
    for distribution in distributions:
        for path in distribution_files([distribution]):
            root_of[path] = canonicalize_name(distribution.metadata["Name"])
    root_of.update(extra)
    files = list(root_of)
    return {
        "source": "estimate: installed files of " + ", ".join(requirements) + " and their dependencies",
        "estimate": True,
        "unzipped_mib": round(sum(p.stat().st_size for p in files) / MIB, 2),
        "unzipped_mb": round(sum(p.stat().st_size for p in files) / 1e6, 2),
        "zipped_mib": round(zipped_bytes(files, None) / MIB, 2) if zipped else None,
        "files": len(files), "pyc_files": 0,
        "top_level": top_level(files, root_of), "unmapped_native": unmapped_native(files, mapped),
    }
