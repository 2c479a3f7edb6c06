"""The package checks: ELF version needs (glibc, libstdc++), machine, size limit, missing .pyc."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from infra import package_report
from infra.package_report import PackageCheck, check_libraries, check_package, version_needs

NUMPY_CORE = next(Path(np.__file__).parent.glob("_core/_multiarray_umath.*.so"))


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A tiny package: one real shared library and one precompiled module."""
    (tmp_path / "lib").mkdir()
    shutil.copy(NUMPY_CORE, tmp_path / "lib" / NUMPY_CORE.name)
    (tmp_path / "mod.py").write_text("x = 1\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "mod.cpython-313.pyc").write_bytes(b"")
    return tmp_path


def test_version_needs_reads_glibc_and_machine() -> None:
    machine, needs = version_needs(NUMPY_CORE)
    assert machine in {"EM_X86_64", "EM_AARCH64"}
    assert (2, 2) <= needs["GLIBC"] <= (2, 40)


def test_version_needs_none_for_non_elf(tmp_path: Path) -> None:
    (tmp_path / "fake.so").write_bytes(b"not an ELF file")
    assert version_needs(tmp_path / "fake.so") is None


def test_check_libraries_flags_newer_glibc(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(package_report.RUNTIME_LIMITS, "GLIBC", (2, 1))
    check = PackageCheck()
    check_libraries(package, check, machine=version_needs(NUMPY_CORE)[0].removeprefix("EM_").lower())
    assert len(check.problems) == 1 and "needs GLIBC_2." in check.problems[0]


def test_check_libraries_flags_wrong_machine(package: Path) -> None:
    other = "aarch64" if version_needs(NUMPY_CORE)[0] == "EM_X86_64" else "x86_64"
    check = PackageCheck()
    check_libraries(package, check, machine=other)
    assert check.problems and f"not {other}" in check.problems[0]


def test_check_package_flags_size_over_limit(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(package_report, "MAX_UNZIPPED_BYTES", 1000)
    problems = check_package(package, machine=version_needs(NUMPY_CORE)[0].removeprefix("EM_").lower()).problems
    assert [p for p in problems if "over" in p and "MB" in p]


def test_check_package_flags_module_without_pyc(package: Path) -> None:
    (package / "other.py").write_text("y = 2\n")
    problems = check_package(package, machine=version_needs(NUMPY_CORE)[0].removeprefix("EM_").lower()).problems
    assert problems == ["1 modules without .pyc, e.g. other.py"]


def test_check_package_sizes_per_package(package: Path) -> None:
    check = check_package(package, machine=version_needs(NUMPY_CORE)[0].removeprefix("EM_").lower())
    assert check.unzipped["lib"] == NUMPY_CORE.stat().st_size
    assert 0 < check.zipped["lib"] < check.unzipped["lib"]
