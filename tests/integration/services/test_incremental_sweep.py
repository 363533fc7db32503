"""The daily sweep, run day after day as each day's register comes in (with its case work, and
marks amended on the way), finds exactly what the rules find over every mark at once."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from casework.interchange.records import MarkRecord
from casework.policy.rules import evaluate_policy, lookback_start
from casework.register.marks import Register
from casework.services.daily_sweep import daily_sweep
from casework.services.register.importing import store_marks
from casework.services.register.schools import get_school
from casework.services.sweep import sweep
from casework.store.database import Database
from tests.support.world import URN, World

FIRST = date(2025, 9, 3)
CODES = ["/"] * 12 + ["\\"] * 12 + ["I", "M", "O", "G", "N", "L", "U", "C", "B"]


def whole_register_findings(
    db: Database, marks: dict[tuple[str, date, str], str], upns: list[str], as_of: date
) -> list[dict[str, Any]]:
    """The rules over every mark kept so far, in memory: no database, no dense register."""
    school = get_school(db, URN)
    start = lookback_start(school.policy, school.calendar, as_of)
    pupils = sorted(upns)
    row = {upn: n for n, upn in enumerate(pupils)}
    register = Register.from_marks(
        school.calendar,
        start,
        as_of,
        pupils,
        ((row[upn], day, session, code) for (upn, day, session), code in marks.items()),
    )
    for n in range(len(pupils)):
        register.clear_outside(n, FIRST, None)
    born = [date(2016, 1, 1)] * len(pupils)
    names = [f"Pupil{int(upn[-5:])} Generated" for upn in pupils]
    found = evaluate_policy(school.policy, register, as_of, births=born, names=names)
    return [{"school": URN, **f.as_dict()} for f in found]


def test_the_daily_sweep_day_by_day_finds_what_the_rules_find_over_the_whole_register(
    db: Database, world: World
) -> None:
    rng = random.Random(11)
    upns = [world.pupil(contacts=[]) for _ in range(8)]
    # Two pupils away most days, so that cases open and grow along the way.
    weights = {upn: (0.6 if n < 2 else 0.08) for n, upn in enumerate(upns)}
    days = world.calendar.school_days(FIRST, date(2025, 12, 12))
    kept: dict[tuple[str, date, str], str] = {}
    checked = opened = 0
    for n, day in enumerate(days):
        records = []
        for upn in upns:
            for session in ("AM", "PM"):
                present = "/" if session == "AM" else "\\"
                away = rng.random() < weights[upn]
                code = rng.choice(CODES[24:]) if away else present
                kept[(upn, day, session)] = code
                minutes = 10 if code in ("L", "U") else None
                records.append(MarkRecord(upn, day, session, code, minutes))
        if n % 9 == 4:  # an earlier mark amended: the register catches up with a late note
            upn, back = upns[n % len(upns)], days[max(n - 6, 0)]
            kept[(upn, back, "AM")] = "M"
            records.append(MarkRecord(upn, back, "AM", "M"))
        store_marks(db, records, URN)
        if n % 5 == 4 or n == len(days) - 1:
            as_of = day + timedelta(days=1) if day.weekday() < 4 else day
            done = daily_sweep(db, as_of, URN)
            assert done.findings.as_dict()["findings"] == whole_register_findings(
                db, kept, upns, as_of
            )
            checked += 1
            opened += len(done.cases_opened)
    assert checked >= 10 and opened >= 2  # cases opened along the way
    # And a sweep of a database it has already swept, as of the last day, finds the same.
    again = sweep(db, days[-1], URN)
    assert again.findings
    assert again.as_dict()["findings"] == whole_register_findings(db, kept, upns, days[-1])
