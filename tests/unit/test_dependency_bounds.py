"""Each dependency's lower bound in pyproject.toml is a version that was installed and tested:
the same major and minor version as the one the suite runs on, never an older, untested one."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def requirements() -> list[Requirement]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    found = [Requirement(text) for text in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        found += [Requirement(text) for text in extra]
    return [r for r in found if r.marker is None or r.marker.evaluate()]


def lower_bound(requirement: Requirement) -> Version:
    bounds = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    assert len(bounds) == 1, f"{requirement} needs one lower bound (>=)"
    return bounds[0]


@pytest.mark.parametrize("requirement", requirements(), ids=str)
def test_a_lower_bound_is_the_version_installed_and_tested(requirement: Requirement) -> None:
    try:
        installed = Version(version(requirement.name))
    except PackageNotFoundError:
        pytest.fail(f"{requirement.name} is not installed: the suite cannot have tested it")
    bound = lower_bound(requirement)
    assert installed in requirement.specifier
    assert bound.release[:2] == installed.release[:2], (
        f"{requirement.name}: the bound {bound} is older than the version tested, {installed}; "
        "raise it"
    )
