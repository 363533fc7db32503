"""Packaging: the `letters/` folder at the top of the repository is installed as
casework.letters (the rest of the metadata is in pyproject.toml)."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["casework*"]), "casework.letters"],
    package_dir={"casework.letters": "letters"},
)
