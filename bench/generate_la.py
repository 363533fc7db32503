"""Generate a synthetic local authority for the benchmarks: N schools of 1,000 pupils each.

Each school gets, in bench/out/la/<URN>/:

- school.toml: the calendar of tests/data/school.toml (academic year 2025/26) under the school's
  own URN (900001, 900002, ...) and name; policies rotate over the bundled ones;
- pupils.csv: 1,000 generated pupils, UPNs valid (casework.register.upn.make) and unique
  across the LA;
- marks.csv: a mark for every pupil, every school day, AM and PM (194 days, 388,000 marks).

Code mix, per pupil: most are present (/ and \\) nearly every session; absence comes in
episodes drawn per pupil profile: illness spells (I, one to five days), appointments (M, one
session), lateness (L with minutes, a few U), holidays not granted (G, a week), unexplained
days (O, and N, some still unresolved at the end of the year), agreed leave (C); a few
persistent absentees and one or two pupils per school missing for weeks (children missing
education). Random but reproducible (seeded by URN).

Files are written once and reused: a school whose three files exist is skipped unless --force.

    python bench/generate_la.py --schools 100
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from casework.register.calendar import SchoolCalendar
from casework.register.school import load_school
from casework.register.upn import make

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "tests" / "data" / "school.toml"
OUT = ROOT / "bench" / "out" / "la"
PUPILS_PER_SCHOOL = 1000
FIRST_URN = 900001
LA_CODE = "850"
POLICIES = ("national-2024", "copnor", "delius", "woodlands", "cooper")

# The code alphabet of the generated matrix; index 0 is "present" (/ in the morning, \ after).
CODES = ("", "L", "U", "I", "M", "G", "O", "N", "C")
PRESENT, LATE, LATE_AFTER, ILL, MEDICAL, HOLIDAY, UNEXPLAINED, NO_REASON, LEAVE = range(len(CODES))

PUPIL_HEADER = (
    "upn,surname,forename,date_of_birth,sex,year_group,pupil_premium,send,ehcp,"
    "looked_after,social_worker,admission_date,leaving_date\n"
)
MARK_HEADER = "upn,date,session,code,minutes_late,comment\n"

SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Wright",
    "Walker",
    "Robinson",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Harris",
    "Lewis",
    "Martin",
    "Jackson",
    "Clarke",
    "Clark",
    "Turner",
    "Hill",
    "Scott",
    "Cooper",
    "Morris",
    "Ward",
    "Moore",
    "King",
    "Watson",
    "Baker",
    "Harrison",
    "Morgan",
    "Khan",
    "Young",
    "Allen",
    "Mitchell",
    "James",
    "Anderson",
    "Phillips",
    "Lee",
    "Bell",
    "Parker",
    "Davis",
    "Ahmed",
    "Begum",
    "Nowak",
    "Okafor",
]
FORENAMES = [
    "Oliver",
    "Amelia",
    "George",
    "Isla",
    "Noah",
    "Ava",
    "Arthur",
    "Mia",
    "Muhammad",
    "Ivy",
    "Leo",
    "Lily",
    "Harry",
    "Florence",
    "Oscar",
    "Freya",
    "Archie",
    "Ella",
    "Henry",
    "Willow",
    "Theodore",
    "Emily",
    "Freddie",
    "Sophia",
    "Jack",
    "Grace",
    "Charlie",
    "Evie",
    "Jacob",
    "Poppy",
    "Alfie",
    "Sienna",
    "Thomas",
    "Olivia",
    "Ali",
    "Zara",
    "Ibrahim",
    "Aisha",
    "Reuben",
    "Maya",
    "Jude",
    "Esme",
]


def urn_of(index: int) -> str:
    return str(FIRST_URN + index)


def school_dir(index: int, out: Path = OUT) -> Path:
    return out / urn_of(index)


def last_school_day() -> date:
    """The last school day of the template calendar (every generated school shares it)."""
    return SchoolCalendar(load_school(TEMPLATE).terms).last_day


def school_toml(index: int) -> str:
    """The template school file under this school's URN, name and policy."""
    text = TEMPLATE.read_text(encoding="utf-8")
    urn = urn_of(index)
    text = re.sub(r'(?m)^urn = ".*"$', f'urn = "{urn}"', text, count=1)
    text = re.sub(
        r'(?m)^name = ".*"$', f'name = "Benchmark School {index + 1:03d} ({urn})"', text, count=1
    )
    text = re.sub(r'(?m)^la_code = ".*"$', f'la_code = "{LA_CODE}"', text, count=1)
    return re.sub(
        r'(?m)^policy = ".*"$', f'policy = "{POLICIES[index % len(POLICIES)]}"', text, count=1
    )


def upn_of(school: int, pupil: int) -> str:
    # LA code (3), school number (4), pupil number (5): unique across the LA.
    return make(f"{LA_CODE}{school:04d}{pupil:05d}")


def _episodes(
    rng: np.random.Generator, row: np.ndarray, minutes: np.ndarray, days: int, rate: float
) -> None:
    """Fill one pupil's row (2 * days sessions) with absence episodes up to about `rate`."""
    target = int(rate * 2 * days)
    guard = 0
    while guard < 2000 and np.count_nonzero((row != PRESENT) & (row != LATE)) < target:
        guard += 1
        kind = rng.choice(6, p=[0.46, 0.17, 0.12, 0.13, 0.07, 0.05])
        day = int(rng.integers(0, days))
        if kind == 0:  # illness spell, whole days
            length = int(rng.choice([1, 1, 1, 2, 2, 3, 4, 5]))
            end = min(days, day + length)
            row[2 * day : 2 * end] = ILL
        elif kind == 1:  # medical appointment: one session
            row[2 * day + int(rng.integers(0, 2))] = MEDICAL
        elif kind == 2:  # unexplained day, recorded as O
            row[2 * day : 2 * day + 2] = UNEXPLAINED
        elif kind == 3:  # late, then sometimes after the register closed
            late = LATE_AFTER if rng.random() < 0.15 else LATE
            row[2 * day] = late
            minutes[2 * day] = int(rng.integers(3, 60 if late == LATE_AFTER else 30))
        elif kind == 4:  # a week of holiday not granted
            end = min(days, day + 5)
            row[2 * day : 2 * end] = HOLIDAY
        else:  # agreed leave for a few days
            end = min(days, day + int(rng.integers(1, 4)))
            row[2 * day : 2 * end] = LEAVE


def school_marks(index: int, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Code index matrix (pupils x sessions) and minutes late for one school."""
    rng = np.random.default_rng(FIRST_URN + index)
    codes = np.zeros((PUPILS_PER_SCHOOL, 2 * days), dtype=np.uint8)
    minutes = np.zeros((PUPILS_PER_SCHOOL, 2 * days), dtype=np.int16)
    profile = rng.random(PUPILS_PER_SCHOOL)
    for p in range(PUPILS_PER_SCHOOL):
        if profile[p] < 0.80:  # most pupils: a few percent of sessions missed
            rate = float(rng.beta(1.3, 35))
        elif profile[p] < 0.95:  # at risk
            rate = float(rng.uniform(0.07, 0.13))
        elif profile[p] < 0.99:  # persistent absentees
            rate = float(rng.uniform(0.12, 0.40))
        else:  # severe
            rate = float(rng.uniform(0.45, 0.70))
        _episodes(rng, codes[p], minutes[p], days, rate)
    # Lateness: each pupil has a propensity to arrive late in the morning (L, minutes late).
    mornings = codes[:, 0::2]
    late = (mornings == PRESENT) & (
        rng.random(mornings.shape) < rng.beta(0.6, 40, PUPILS_PER_SCHOOL)[:, None]
    )
    mornings[late] = LATE
    minutes[:, 0::2][late] = rng.integers(2, 30, int(late.sum()))
    # One or two pupils missing for weeks up to the end of the year (children missing education).
    for p in rng.choice(PUPILS_PER_SCHOOL, size=int(rng.integers(1, 3)), replace=False):
        codes[p, 2 * (days - int(rng.integers(15, 30))) :] = UNEXPLAINED
    # A few N marks in the last fortnight, some still unresolved after five school days.
    recent = rng.choice(PUPILS_PER_SCHOOL, size=15, replace=False)
    for p in recent:
        day = days - int(rng.integers(1, 10))
        codes[p, 2 * day : 2 * day + 2] = NO_REASON
    return codes, minutes


def _pupils_csv(index: int, first_day: date) -> str:
    rng = np.random.default_rng(10_000_000 + FIRST_URN + index)
    lines = [PUPIL_HEADER]
    for p in range(PUPILS_PER_SCHOOL):
        year = p * 7 // PUPILS_PER_SCHOOL + 7  # a secondary school, years 7 to 13 (0-based 7..13)
        born = date(2025 - year - 5, 9, 1) + timedelta(days=int(rng.integers(0, 365)))
        flags = ["Y" if rng.random() < chance else "N" for chance in (0.25, 0.14, 0.04, 0.01, 0.03)]
        lines.append(
            f"{upn_of(index, p)},{SURNAMES[int(rng.integers(len(SURNAMES)))]},"
            f"{FORENAMES[int(rng.integers(len(FORENAMES)))]},{born.isoformat()},"
            f"{'F' if rng.random() < 0.5 else 'M'},{year},{','.join(flags)},"
            f"{first_day.isoformat()},\n"
        )
    return "".join(lines)


def generate_school(index: int, out: Path = OUT, force: bool = False) -> Path:
    """Write one school's files (skipped when they exist and force is off)."""
    folder = school_dir(index, out)
    files = [folder / "school.toml", folder / "pupils.csv", folder / "marks.csv"]
    if not force and all(f.exists() for f in files):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    toml = school_toml(index)
    (folder / "school.toml.tmp").write_text(toml, encoding="utf-8")
    calendar = SchoolCalendar(load_school(folder / "school.toml.tmp").terms)
    days = calendar.days
    codes, minutes = school_marks(index, len(days))
    (folder / "pupils.csv").write_text(_pupils_csv(index, days[0]), encoding="utf-8")
    # Prefixes "date,AM," per column, and the text of every code (AM and PM present differ).
    columns = [f"{d.isoformat()},{s}," for d in days for s in ("AM", "PM")]
    present = ["/,,", "\\,,"]
    lines = [MARK_HEADER]
    for p in range(PUPILS_PER_SCHOOL):
        upn = upn_of(index, p) + ","
        row = codes[p].tolist()
        late = minutes[p]
        for col, code in enumerate(row):
            if code == PRESENT:
                text = present[col & 1]
            elif code in (LATE, LATE_AFTER):
                text = f"{CODES[code]},{late[col]},"
            else:
                text = CODES[code] + ",,"
            lines.append(upn + columns[col] + text + "\n")
    (folder / "marks.csv").write_text("".join(lines), encoding="utf-8")
    (folder / "school.toml.tmp").replace(folder / "school.toml")  # last: marks the school done
    return folder


def generate(schools: int, out: Path = OUT, force: bool = False, jobs: int = 0) -> list[Path]:
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or schools == 1:
        return [generate_school(i, out, force) for i in range(schools)]
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(generate_school, range(schools), [out] * schools, [force] * schools))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--force", action="store_true", help="rewrite existing files")
    parser.add_argument("--jobs", type=int, default=0, help="processes (default: all cores)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    folders = generate(args.schools, args.out, args.force, args.jobs)
    print(f"{len(folders)} schools in {args.out} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
