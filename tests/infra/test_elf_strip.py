"""infra/elf_strip.py: non-allocated sections go, what the loader maps stays byte for byte."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import ai_edge_litert
import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

from infra.elf_strip import strip_file, stripped

LITERT_COMMON = Path(ai_edge_litert.__file__).parent / "libpywrap_litert_common.so"  # linked with a .symtab
OPENBLAS = next((Path(np.__file__).parent.parent / "numpy.libs").glob("libscipy_openblas*.so"))  # patchelf'd


def segments(path: Path) -> list[tuple[int, bytes]]:
    """Every segment's address and bytes; the ELF header (mapped with the first one) changes its section fields."""
    with path.open("rb") as stream:
        elf = ELFFile(stream)
        return [(s["p_vaddr"], s.data()[elf["e_ehsize"] if s["p_offset"] == 0 else 0:]) for s in elf.iter_segments()]


def section_names(path: Path) -> set[str]:
    with path.open("rb") as stream:
        return {section.name for section in ELFFile(stream).iter_sections()}


@pytest.fixture
def library(tmp_path: Path) -> Path:
    copy = tmp_path / LITERT_COMMON.name
    shutil.copy(LITERT_COMMON, copy)
    return copy


def test_strip_drops_symbol_table_and_saves_bytes(library: Path) -> None:
    before = library.stat().st_size
    saved = strip_file(library)
    assert saved > 0 and library.stat().st_size == before - saved
    assert ".symtab" not in section_names(library)
    assert {".dynsym", ".dynstr", ".gnu.version_r", ".text"} <= section_names(library)


def test_strip_keeps_every_loaded_segment_identical(library: Path) -> None:
    original = segments(library)
    strip_file(library)
    assert segments(library) == original


def test_stripped_library_still_loads(library: Path) -> None:
    strip_file(library)
    done = subprocess.run([sys.executable, "-c", f"import ctypes; ctypes.CDLL({str(library)!r})"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_strip_leaves_a_library_whose_dropped_sections_sit_among_kept_data() -> None:
    assert stripped(OPENBLAS.read_bytes()) is None


def test_strip_ignores_files_that_are_not_elf(tmp_path: Path) -> None:
    (tmp_path / "x.so").write_bytes(b"not an ELF file")
    assert strip_file(tmp_path / "x.so") == 0
