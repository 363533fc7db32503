"""The example school of tests/data with its users, and generated pupils with contacts and marks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from casework.interchange.records import ContactRecord, MarkRecord, PupilRecord
from casework.register import upn
from casework.register.calendar import SchoolCalendar
from casework.register.school import load_school
from casework.services.access import users
from casework.services.register.importing import store_contacts, store_marks, store_pupils
from casework.services.register.schools import get_school, save_school
from casework.store.database import Database

URN = "100001"  # tests/data/school.toml, LA 850
LA_CODE = "850"

AO = "b.lead"  # attendance officer
HEAD = "a.head"  # senior leader
TEACHER = "t.tutor"
LA = "l.officer"  # LA 850's attendance officer
LA_ELSEWHERE = "o.officer"  # an LA officer of another authority
SYSTEM = users.SYSTEM_USERNAME

PEOPLE = {
    AO: ("Ben Example", "Attendance Lead", "attendance_officer"),
    HEAD: ("Ann Example", "Headteacher", "senior_leader"),
    TEACHER: ("Tess Tutor", "Class Teacher", "teacher"),
    LA: ("Lee Officer", "Attendance Improvement Officer", "la_officer"),
    LA_ELSEWHERE: ("Olu Other", "CME Officer", "la_officer"),
}

HOME = "12 Test Street, Exampleton, ZZ1 2AB"  # where a generated pupil lives
MOTHER = "Carol Generated"
FATHER = "Dan Generated"
GRANDMOTHER = "Gwen Generated"


def generated_upn(n: int) -> str:
    """A valid UPN for generated pupil number n (never one of tests/data/pupils.csv)."""
    return upn.make(f"8501234{n:05d}")


@dataclass
class World:
    """The example school with its users; makes generated pupils on demand."""

    db: Database
    calendar: SchoolCalendar
    next_pupil: int = 0
    last_upn: str = ""

    def pupil(
        self,
        *,
        contacts: Iterable[tuple[str, str, bool] | tuple[str, str, bool, bool, str]] | None = None,
        social_worker: bool = False,
        leaving: date | None = None,
        born: date = date(2016, 1, 1),
    ) -> str:
        """A new generated pupil with contacts: (name, relationship, parental responsibility),
        living with the pupil at HOME, or (..., lives with the pupil, address)."""
        self.next_pupil += 1
        pupil_upn = self.last_upn = generated_upn(self.next_pupil)
        store_pupils(
            self.db,
            [
                PupilRecord(
                    pupil_upn,
                    "Generated",
                    f"Pupil{self.next_pupil}",
                    born,
                    "F",
                    "4",
                    social_worker=social_worker,
                    admission_date=date(2025, 9, 3),
                    leaving_date=leaving,
                )
            ],
            URN,
        )
        if contacts is None:
            contacts = [
                (MOTHER, "Mother", True),
                (FATHER, "Father", True),
                (GRANDMOTHER, "Grandmother", False),
            ]
        records = [
            ContactRecord(
                pupil_upn,
                contact[0],
                contact[1],
                contact[2],
                contact[3] if len(contact) > 3 else True,
                priority,
                address=contact[4] if len(contact) > 3 else HOME,
            )
            for priority, contact in enumerate(contacts, start=1)
        ]
        if records:
            store_contacts(self.db, records, URN)
        return pupil_upn

    def marks(
        self, pupil_upn: str, start: date, end: date, codes: dict[date, str] | None = None
    ) -> None:
        """Present every school session from start to end, except days given a code."""
        codes = codes or {}
        records = [
            MarkRecord(pupil_upn, day, session, codes.get(day, "/" if session == "AM" else "\\"))
            for day in self.calendar.school_days(start, end)
            for session in ("AM", "PM")
        ]
        store_marks(self.db, records, URN)


def make_world(db: Database, data_dir: Path) -> World:
    """Save the example school (tests/data/school.toml) and add its users (PEOPLE)."""
    save_school(db, load_school(data_dir / "school.toml"))
    for username, (name, position, role) in PEOPLE.items():
        users.add_user(
            db,
            username=username,
            name=name,
            position=position,
            role=role,
            school_urn=URN if role != "la_officer" else None,
            la_code=(LA_CODE if username == LA else "999") if role == "la_officer" else None,
        )
    return World(db, get_school(db, URN).calendar)


def change_school(world: World, data_dir: Path, **changes: Any) -> None:
    """Store the example school with some of its file changed (its policy, its terms), and
    give the world the calendar it now has."""
    save_school(world.db, replace(load_school(data_dir / "school.toml"), **changes))
    world.calendar = get_school(world.db, URN).calendar
