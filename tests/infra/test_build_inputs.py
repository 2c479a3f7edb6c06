"""What infra/build.py installs: requirements per target CPU, the transitive pins, the CPU sam builds for."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from bench.package import closure, requirement_lines
from infra.build import CONSTRAINTS, REQUIREMENTS, choose_architecture, requirements_for, sam_architecture

BUILD_TOML = """\
[function_build_definitions.6d1257d5]
codeuri = "/src"
runtime = "python3.13"
architecture = "{arch}"
functions = ["DigitFunction"]
"""


def pins(path: Path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return {canonicalize_name(line.split("==")[0]): line.split("==")[1] for line in lines if "==" in line}


def sam_output(tmp_path: Path, arch: str) -> Path:
    (tmp_path / "build.toml").write_text(BUILD_TOML.format(arch=arch))
    return tmp_path / "build" / "DigitFunction"


def test_requirements_for_evaluates_markers_for_the_target(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text('a==1; platform_machine != "aarch64"\na==2; platform_machine == "aarch64"\nb==3  # any CPU\n')
    assert requirements_for("x86_64", path) == ["a==1", "b==3"]
    assert requirements_for("aarch64", path) == ["a==2", "b==3"]


def test_every_requirement_applies_once_per_cpu() -> None:
    for machine in ("x86_64", "aarch64"):
        names = [line.split("==")[0] for line in requirements_for(machine)]
        assert len(names) == len(set(names)) and "ai-edge-litert" in names


def test_constraints_are_what_the_tests_run_with() -> None:
    pinned = pins(CONSTRAINTS)
    installed = {canonicalize_name(name): metadata.version(name) for name in pinned}
    assert installed == pinned


def test_constraints_cover_every_transitive_dependency() -> None:
    direct = set(pins(REQUIREMENTS))
    needed = {canonicalize_name(d.metadata["Name"]) for d in closure(requirement_lines(REQUIREMENTS))}
    assert needed - direct <= set(pins(CONSTRAINTS))


def test_sam_architecture_read_from_its_build_graph(tmp_path: Path) -> None:
    assert sam_architecture(sam_output(tmp_path, "arm64")) == "arm64"


def test_sam_architecture_unknown_outside_sam(tmp_path: Path) -> None:
    assert sam_architecture(tmp_path / "somewhere") is None


def test_choose_architecture_refuses_a_mismatch(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="ARCH=x86_64 but sam builds for arm64"):
        choose_architecture(sam_output(tmp_path, "arm64"), "x86_64")


def test_choose_architecture_defaults_to_x86_64(tmp_path: Path) -> None:
    assert choose_architecture(tmp_path / "out", None) == "x86_64"
