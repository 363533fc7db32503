"""Writing the small input files (school, policy, CSV) that tests make in tmp_path."""

from __future__ import annotations

from pathlib import Path


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_csv(path: Path, header: str, lines: list[str]) -> Path:
    """A CSV file of a header line and the given lines, ending with a newline."""
    return write_text(path, "\n".join([header, *lines]) + "\n")
