"""Where the test data lives (tests/data, the repository's docs) and the pupils its files hold."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
DATA = TESTS / "data"
SAMPLE_CTF = DATA / "sample.ctf.xml"

# The pupils of tests/data/pupils.csv, all admitted on 2025-09-03.
ALEX = "B801200005001"  # year 4, pupil premium
JORDAN = "R674123101121"  # year 5, SEND
ROBIN = "P207000016049"  # year 3, left on Friday 2026-02-13
