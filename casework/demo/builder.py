"""Storing the demo school through the import services, and the demo's users."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from casework.demo.generator import (
    DEFAULT_SEED,
    DEMO_LA,
    DEMO_STEPS,
    DEMO_URN,
    DemoSchool,
    Progress,
    generate,
)
from casework.policy.loader import DEFAULT_POLICY
from casework.register.school import SchoolConfig, school_to_dict
from casework.services.access import sign_in, users
from casework.services.register import importing, schools
from casework.services.register.importing import ImportReport
from casework.services.register.schools import SchoolNotFoundError
from casework.store.database import Database


class NotADemoSchoolError(ValueError):
    """The demo's URN belongs to a school the demo did not make: it is never overwritten."""


@dataclass(frozen=True, slots=True)
class DemoReport:
    demo: DemoSchool
    rebuilt: bool  # a demo school made for another seed or date was replaced
    pupils: ImportReport
    contacts: ImportReport
    marks: ImportReport


def build_demo(
    db: Database,
    as_of: date,
    seed: int = DEFAULT_SEED,
    policy: str = DEFAULT_POLICY,
    progress: Progress | None = None,
) -> DemoReport:
    """Generate the demo school and store it through the import services.

    Running it again with the same seed and date changes nothing. With another seed or date
    the demo school's marks and contacts are replaced and its pupils brought up to date (a
    pupil the demo no longer has is deleted, unless a case names them).
    """

    def step(text: str, done: int) -> None:
        if progress:
            progress(text, done)

    try:
        stored = schools.get_school(db, DEMO_URN)
    except SchoolNotFoundError:
        stored = None
    if stored is not None and not isinstance(stored.config.extra.get("demo"), dict):
        raise NotADemoSchoolError(
            f"school {DEMO_URN} ({stored.name}) was not made by casework demo; it is left as it is"
        )
    step("generating pupils and marks", 0)
    demo = generate(as_of, seed, policy)
    step("storing the school", 3)
    rebuilt = False
    if stored is not None and stored.config.extra["demo"] != demo.fingerprint():
        keep = [p.upn for p in demo.pupils]
        importing.clear_generated_school(db, DEMO_URN, keep)
        rebuilt = True
    if stored is None or school_to_dict(stored.config) != school_to_dict(demo.config):
        schools.save_school(db, demo.config)
    step("storing pupils", 4)
    pupils = importing.store_pupils(db, demo.pupils, DEMO_URN, source="demo pupils")
    step("storing contacts", 5)
    contacts = importing.store_contacts(db, demo.contacts, DEMO_URN, source="demo contacts")
    step("storing marks", 6)
    marks = importing.store_marks(
        db,
        demo.marks,
        DEMO_URN,
        progress=lambda what: step(f"storing marks ({what})", 6 + (what == "storing")),
        source="demo marks",
    )
    step("done", DEMO_STEPS)
    return DemoReport(demo, rebuilt, pupils, contacts, marks)


DEMO_USERS = (
    ("demo-lead", "attendance_officer"),
    ("demo-head", "senior_leader"),
    ("demo-la", "la_officer"),
)


def ensure_demo_users(db: Database, school: SchoolConfig) -> list[str]:
    """The demo school's attendance lead, head and an LA officer, so its cases can be worked."""
    existing = {u.username for u in users.list_users(db)}
    people = {
        "attendance_officer": (school.attendance_lead.name, school.attendance_lead.position),
        "senior_leader": (school.head.name, school.head.position),
        "la_officer": ("Lee Officer", "LA attendance officer"),
    }
    for username, role in DEMO_USERS:
        if username in existing:
            continue
        name, position = people[role]
        users.add_user(
            db,
            username=username,
            name=name,
            position=position,
            role=role,
            school_urn=DEMO_URN if role != "la_officer" else None,
            la_code=DEMO_LA if role == "la_officer" else None,
        )
    return [u for u, _ in DEMO_USERS]


def demo_sign_ins(db: Database) -> list[tuple[str, str, str]]:
    """A fresh password for each demo user, so that a person can sign in to the demo:
    (username, role, password). New ones every time, so none is ever written down anywhere."""
    passwords = []
    for username, role in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        sign_in.set_password(db, username, password)
        passwords.append((username, role, password))
    return passwords
