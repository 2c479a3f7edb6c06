"""Checks and reports on a built Lambda package: size per package (unzipped, zipped), glibc needs, .pyc.

Every ELF file in the package, whatever its name, is read (pyelftools, no ``objdump`` needed): it must be
built for the function's CPU (x86_64 or aarch64), and its version needs name the newest glibc
(``GLIBC_2.x``) and libstdc++ (``GLIBCXX_3.4.x``) it requires, which must not be newer than Amazon Linux
2023's, the python3.13 runtime's. Nothing here can run an aarch64 library: for arm64 these checks are
what there is.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

MAX_UNZIPPED_BYTES = 80 * 1000 * 1000  # the project's bar (Lambda's own limit is 250 MB)
# Amazon Linux 2023 (python3.13 runtime): glibc 2.34, GCC 11's libstdc++.
RUNTIME_LIMITS = {"GLIBC": (2, 34), "GLIBCXX": (3, 4, 29), "CXXABI": (1, 3, 13)}
ELF_MACHINES = {"x86_64": "EM_X86_64", "aarch64": "EM_AARCH64"}
MB = 1000 * 1000


@dataclass
class PackageCheck:
    unzipped: dict[str, int] = field(default_factory=dict)  # package -> bytes
    zipped: dict[str, int] = field(default_factory=dict)  # package -> compressed bytes in the zip
    needs: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)  # library -> {GLIBC: (2, 17)}
    machines: dict[str, str] = field(default_factory=dict)  # library -> "x86_64" / "aarch64"
    py_files: int = 0
    pyc_files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def total_unzipped(self) -> int:
        return sum(self.unzipped.values())

    @property
    def total_zipped(self) -> int:
        return sum(self.zipped.values())

    def newest(self, symbol: str) -> tuple[int, ...]:
        return max((need[symbol] for need in self.needs.values() if symbol in need), default=())


def owners(root: Path) -> dict[str, str]:
    """First path part -> the distribution that installed it (the app's own folders keep their name).

    Read from RECORD itself: ``Distribution.files`` leaves out what is no longer there, such as the
    sources the build replaced by sourceless ``.pyc`` files.
    """
    names: dict[str, str] = {}
    for info in root.glob("*.dist-info"):
        dist = metadata.Distribution.at(info)
        for row in csv.reader((dist.read_text("RECORD") or "").splitlines()):
            top = Path(row[0]).parts[0] if row else ".."
            for name in {top, top.removesuffix(".py") + ".pyc"} - {".."}:  # a module, or its sourceless .pyc
                names.setdefault(name, dist.metadata["Name"])
    return names


def package_of(relative: Path, names: dict[str, str]) -> str:
    """The distribution owning a file; top-level modules' .pyc files belong to their module's owner."""
    top = relative.parts[0]
    if top == "__pycache__":
        top = relative.name.split(".")[0] + ".py"
    return names.get(top, top)


def version_needs(path: Path) -> tuple[str, dict[str, tuple[int, ...]]] | None:
    """(ELF machine, {"GLIBC": (2, 27), "GLIBCXX": (3, 4, 21)...}): the newest of each needed; None if not ELF."""
    with path.open("rb") as stream:
        if stream.read(4) != b"\x7fELF":
            return None
        stream.seek(0)
        elf = ELFFile(stream)
        needs: dict[str, tuple[int, ...]] = {}
        for section in elf.iter_sections():
            if not isinstance(section, GNUVerNeedSection):
                continue
            for _, auxiliaries in section.iter_versions():
                for aux in auxiliaries:
                    symbol, _, version = aux.name.partition("_")
                    if symbol in RUNTIME_LIMITS and version[:1].isdigit():
                        parsed = tuple(int(p) for p in version.split("."))
                        needs[symbol] = max(needs.get(symbol, ()), parsed)
        return elf["e_machine"], needs


def check_libraries(root: Path, check: PackageCheck, machine: str) -> None:
    """Every ELF file (by its magic number, not its name): CPU, glibc and libstdc++ needs."""
    names = {elf: cpu for cpu, elf in ELF_MACHINES.items()}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        found = version_needs(path)
        if found is None:
            continue
        elf_machine, needs = found
        name = str(path.relative_to(root))
        check.machines[name] = names.get(elf_machine, elf_machine)
        if elf_machine != ELF_MACHINES[machine]:
            check.problems.append(f"{name} is built for {check.machines[name]}, not {machine}")
        check.needs[name] = needs
        for symbol, limit in RUNTIME_LIMITS.items():
            if needs.get(symbol, ()) > limit:
                check.problems.append(f"{name} needs {symbol}_{'.'.join(map(str, needs[symbol]))} (runtime has "
                                      f"{'.'.join(map(str, limit))})")


def measure_sizes(root: Path, check: PackageCheck) -> None:
    """Sizes per package; the zipped ones from a real deflate zip, as `sam deploy` uploads it."""
    names = owners(root)
    buffer = io.BytesIO()
    sizes: dict[str, int] = defaultdict(int)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root)
            sizes[package_of(relative, names)] += path.stat().st_size
            archive.write(path, relative.as_posix())
        zipped: dict[str, int] = defaultdict(int)
        for info in archive.infolist():
            zipped[package_of(Path(info.filename), names)] += info.compress_size
    check.unzipped, check.zipped = dict(sizes), dict(zipped)
    if check.total_unzipped > MAX_UNZIPPED_BYTES:
        check.problems.append(f"{check.total_unzipped / MB:.1f} MB unzipped, over {MAX_UNZIPPED_BYTES / MB:.0f} MB")


def count_bytecode(root: Path, check: PackageCheck) -> None:
    """Every shipped source has its ``__pycache__`` .pyc (the libraries ship sourceless .pyc only)."""
    sources = [p for p in root.rglob("*.py")]
    check.py_files = len(sources)
    check.pyc_files = sum(1 for p in root.rglob("*.pyc"))
    missing = [p for p in sources if not any(p.parent.glob(f"__pycache__/{p.stem}.cpython-*.pyc"))]
    if missing:
        check.problems.append(f"{len(missing)} modules without .pyc, e.g. {missing[0].relative_to(root)}")


def check_package(root: Path, *, machine: str = "x86_64") -> PackageCheck:
    check = PackageCheck()
    measure_sizes(root, check)
    check_libraries(root, check, machine)
    count_bytecode(root, check)
    return check


def render_report(check: PackageCheck, *, arch: str) -> str:
    """The report as Markdown: totals, one row per package (largest first), glibc needs."""
    version = ".".join
    lines = [
        f"# Lambda package report ({arch}, python3.13)",
        "",
        f"- unzipped: {check.total_unzipped / MB:.1f} MB (limit {MAX_UNZIPPED_BYTES / MB:.0f} MB); "
        f"zipped: {check.total_zipped / MB:.1f} MB",
        f"- shared libraries: {len(check.needs)}; newest needs: GLIBC_{version(map(str, check.newest('GLIBC')))}, "
        f"GLIBCXX_{version(map(str, check.newest('GLIBCXX'))) or '-'} (runtime: GLIBC_2.34, GLIBCXX_3.4.29)",
        f"- shared libraries built for: {', '.join(sorted(set(check.machines.values()))) or '-'}",
        f"- modules: {check.pyc_files} precompiled .pyc (unchecked-hash), {check.py_files} .py sources "
        "(the app's; the libraries ship sourceless)",
        "",
        "| package | unzipped MB | zipped MB |",
        "| --- | ---: | ---: |",
    ]
    for package, size in sorted(check.unzipped.items(), key=lambda item: -item[1]):
        lines.append(f"| {package} | {size / MB:.2f} | {check.zipped.get(package, 0) / MB:.2f} |")
    lines += ["", "| shared library | CPU | GLIBC | GLIBCXX |", "| --- | --- | --- | --- |"]
    for name, needs in sorted(check.needs.items()):
        lines.append(f"| {name} | {check.machines.get(name, '-')} | {version(map(str, needs.get('GLIBC', ()))) or '-'} | "
                     f"{version(map(str, needs.get('GLIBCXX', ()))) or '-'} |")
    return "\n".join(lines) + "\n"
