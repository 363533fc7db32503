"""Bulk-build an LA school with 10,000 open attendance concerns on PostgreSQL, for bench/web.py.

Not the ORM one row at a time: the school and its people go through the services (as
`casework init` and `casework user add` would), then pupils, contacts, the last ten school
weeks of marks, cases, evidence, events and deadlines go in with COPY, each table in one go.
Every case is an attendance concern opened by a sweep finding (with the marks it cites) and
worked a little: a contact attempt, a school-support meeting; a third of them have a signed
plan, the attendance_plan state and a review deadline.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHOOL_TOML = ROOT / "tests" / "data" / "school.toml"
URN = "100001"
LEAD = "bench.lead"
MARKS_FROM, MARKS_TO = date(2025, 11, 3), date(2026, 1, 16)
OPENED = date(2026, 1, 19)
O_DAYS = (date(2026, 1, 12), date(2026, 1, 13), date(2026, 1, 14), date(2026, 1, 15))
STATES = ("monitoring", "school_support", "attendance_plan")


def upn_for(n: int) -> str:
    from casework.register import upn

    return upn.make(f"8509{n:08d}")


def _copy(conn: Any, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> int:
    """COPY the rows into `table`; `columns` are its column names, separated by spaces."""
    count = 0
    names = ", ".join(columns.split())
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)
            count += 1
    return count


def build(url: str, cases: int, seed: int = 7) -> dict[str, Any]:
    """The school, its lead and `cases` pupils each with one open concern; returns ids."""
    import psycopg
    from sqlalchemy import make_url

    from casework.register.school import load_school
    from casework.services.access import users
    from casework.services.register.schools import get_school, save_school
    from casework.store.database import Database

    db = Database(url)
    db.migrate()
    school_id, _ = save_school(db, load_school(SCHOOL_TOML))
    lead = users.add_user(
        db,
        username=LEAD,
        name="Bench Lead",
        position="Attendance Lead",
        role="attendance_officer",
        school_urn=URN,
    )
    days = get_school(db, URN).calendar.school_days(MARKS_FROM, MARKS_TO)
    db.dispose()

    rng = random.Random(seed)
    now = datetime.now(UTC)
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    counts: dict[str, int] = {}
    with psycopg.connect(plain) as conn:
        ids = range(1, cases + 1)
        counts["pupil"] = _copy(
            conn,
            "pupil",
            (
                "id school_id upn surname forename date_of_birth sex year_group pupil_premium "
                "send ehcp looked_after social_worker admission_date"
            ),
            (
                (i, school_id, upn_for(i), f"Surname{i}", f"Pupil{i}", date(2015, 1, 1), "F",
                 str(1 + i % 6), i % 4 == 0, i % 7 == 0, False, False, False, date(2025, 9, 3))
                for i in ids
            ),
        )  # fmt: skip
        counts["contact"] = _copy(
            conn,
            "contact",
            (
                "id pupil_id name relationship parental_responsibility lives_with_pupil "
                "priority phone email address"
            ),
            (
                (2 * i - 1 + k, i, f"{who} Surname{i}", who, True, True, k + 1,
                 "01632 960000", "", "")
                for i in ids
                for k, who in enumerate(("Mother", "Father"))
            ),
        )  # fmt: skip

        def marks() -> Iterable[tuple[Any, ...]]:
            for i in ids:
                for day in days:
                    for session in ("AM", "PM"):
                        code = "O" if day in O_DAYS else ("/" if session == "AM" else "\\")
                        if code != "O" and rng.random() < 0.03:
                            code = "I"
                        yield (i, day, session, code)

        counts["session_mark"] = _copy(conn, "session_mark", "pupil_id date session code", marks())
        state_of = {i: STATES[i % 3] for i in ids}
        counts["casefile"] = _copy(
            conn,
            "casefile",
            (
                "id school_id pupil_id kind state version opened_on entered_state_on "
                "la_visible details"
            ),
            (
                (i, school_id, i, "attendance_concern", state_of[i], 1 + STATES.index(state_of[i]),
                 OPENED, OPENED, False, json.dumps({}))
                for i in ids
            ),
        )  # fmt: skip
        evidence: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        deadlines: list[tuple[Any, ...]] = []
        system = (None, "casework-sweep", "system", "automatic")
        person = (lead.id, LEAD, "attendance_officer", "Attendance Lead")
        next_evidence = 1
        for i in ids:
            cited = [
                {"date": d.isoformat(), "session": s, "code": "O"}
                for d in O_DAYS
                for s in ("AM", "PM")
            ]
            items: list[tuple[str, dict[str, Any], tuple[Any, ...]]] = [
                (
                    "finding",
                    {
                        "rule": "penalty_threshold",
                        "reason": "Your child has 8 sessions of unauthorised absence in the "
                        "last 10 school weeks.",
                        "as_of": OPENED.isoformat(),
                        "marks": cited,
                    },
                    system,
                ),
                (
                    "contact_attempt",
                    {"channel": "phone", "contact": f"Mother Surname{i}", "outcome": "reached"},
                    person,
                ),
            ]
            if state_of[i] != "monitoring":
                items.append(
                    (
                        "meeting",
                        {"purpose": "school_support", "attendees": "Mother", "outcome": "agreed"},
                        person,
                    )
                )
            if state_of[i] == "attendance_plan":
                items.append(
                    (
                        "signed_plan",
                        {
                            "plan": "attendance_plan",
                            "signed_on": OPENED.isoformat(),
                            "review_date": (OPENED + timedelta(weeks=6)).isoformat(),
                        },
                        person,
                    )
                )
                deadlines.append(
                    (i, i, "plan_review", "attendance plan review due",
                     OPENED + timedelta(weeks=6), None, "open", "attendance_plan")
                )  # fmt: skip
            seq = 1
            events.append(
                (i, seq, now, OPENED, "opened", None, None, "monitoring", None, *system,
                 "opened by the sweep: penalty_threshold", "{}")
            )  # fmt: skip
            for kind, details, (uid, uname, role, position) in items:
                evidence.append((next_evidence, i, kind, OPENED, json.dumps(details), uid, now))
                seq += 1
                events.append(
                    (i, seq, now, OPENED, "evidence", None, None, None, next_evidence,
                     uid, uname, role, position, None, "{}")
                )  # fmt: skip
                next_evidence += 1
            for trigger, before, after in (
                ("offer_support", "monitoring", "school_support"),
                ("agree_plan", "school_support", "attendance_plan"),
            ):
                if STATES.index(state_of[i]) >= STATES.index(after):
                    seq += 1
                    events.append(
                        (i, seq, now, OPENED, "transition", trigger, before, after, None,
                         *person, None, "{}")
                    )  # fmt: skip
        counts["case_evidence"] = _copy(
            conn,
            "case_evidence",
            "id case_id kind recorded_on details recorded_by_id recorded_at",
            evidence,
        )
        counts["case_event"] = _copy(
            conn,
            "case_event",
            (
                "case_id seq at on_day action trigger from_state to_state evidence_id user_id "
                "username role position note data"
            ),
            events,
        )
        counts["case_deadline"] = _copy(
            conn,
            "case_deadline",
            "id case_id name label due_on fires status set_in_state",
            deadlines,
        )
        for table in ("pupil", "contact", "casefile", "case_evidence", "case_deadline"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.execute("ANALYZE")
    # The marks went in by COPY, past the imports that keep the dense register in step.
    from casework.services.register.dense import rebuild_dense_register
    from casework.store.database import Database

    db = Database(url)
    counts["register_year"] = rebuild_dense_register(db).pupil_years
    db.dispose()
    return {"counts": counts, "lead": LEAD, "case_ids": list(range(1, cases + 1))}
