"""Strip a shared library the way ``strip --strip-all`` would, in Python (pyelftools), for any CPU.

Only the sections the dynamic loader never reads go: those without ``SHF_ALLOC`` (the full symbol table
``.symtab`` and its strings, ``.debug_*``, ``.comment``...). The loader maps program segments, and looks
symbols up in ``.dynsym`` (allocated, kept), so what runs is byte for byte what ran before; the file just
ends sooner. A library is left as it is unless every dropped section's data lies after everything that is
kept and every allocated section keeps its index (``.dynsym`` entries name sections by index), which is
how linkers lay libraries out. No binutils: the build strips aarch64 libraries on x86_64 too.
"""

from __future__ import annotations

import io
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

SHT_NOBITS = "SHT_NOBITS"
SHT_RELOCATIONS = ("SHT_REL", "SHT_RELA")
SHF_INFO_LINK = 0x40  # sh_info holds a section index


def _align(offset: int, alignment: int) -> int:
    return (offset + alignment - 1) // alignment * alignment


def stripped(data: bytes) -> bytes | None:
    """``data`` without its non-allocated sections, or None when there is nothing (safe) to drop."""
    elf = ELFFile(io.BytesIO(data))
    headers = [section.header for section in elf.iter_sections()]
    shstrndx = elf["e_shstrndx"]
    allocated = [i for i, h in enumerate(headers) if h["sh_flags"] & SH_FLAGS.SHF_ALLOC]
    dropped = [i for i, h in enumerate(headers) if i and i != shstrndx and not h["sh_flags"] & SH_FLAGS.SHF_ALLOC]
    if not dropped or not allocated or min(dropped) < max(allocated) or shstrndx < max(allocated):
        return None
    kept_end = max([s["p_offset"] + s["p_filesz"] for s in elf.iter_segments()]
                   + [headers[i]["sh_offset"] + headers[i]["sh_size"] for i in allocated if headers[i]["sh_type"] != SHT_NOBITS])
    if any(headers[i]["sh_offset"] < kept_end and headers[i]["sh_size"] and headers[i]["sh_type"] != SHT_NOBITS
           for i in dropped):
        return None  # a dropped section sits among kept data: cutting the file would not remove it
    names = data[headers[shstrndx]["sh_offset"]:headers[shstrndx]["sh_offset"] + headers[shstrndx]["sh_size"]]
    kept = [0, *allocated, shstrndx]
    new_index = {old: new for new, old in enumerate(kept)}
    out = bytearray(data[:kept_end])
    names_offset = len(out)
    out += names
    section_table = _align(len(out), 8)
    out += bytes(section_table - len(out))
    for old in kept:
        header = headers[old].copy()
        header["sh_link"] = new_index.get(header["sh_link"], 0)
        if header["sh_type"] in SHT_RELOCATIONS or header["sh_flags"] & SHF_INFO_LINK:
            header["sh_info"] = new_index.get(header["sh_info"], 0)
        if old == shstrndx:
            header["sh_offset"] = names_offset
        out += elf.structs.Elf_Shdr.build(header)
    file_header = elf.header.copy()
    file_header.update(e_shoff=section_table, e_shnum=len(kept), e_shstrndx=len(kept) - 1)
    out[:elf["e_ehsize"]] = elf.structs.Elf_Ehdr.build(file_header)
    return bytes(out)


def strip_file(path: Path) -> int:
    """Strip ``path`` in place when it is an ELF file that can be; returns the bytes saved."""
    with path.open("rb") as stream:
        if stream.read(4) != b"\x7fELF":
            return 0
    data = path.read_bytes()
    smaller = stripped(data)
    if smaller is None or len(smaller) >= len(data):
        return 0
    path.write_bytes(smaller)
    return len(data) - len(smaller)
