"""Letters drafted by the sweep read their facts for many pupils at once (`read_ahead`): the
facts are exactly those a letter reading each pupil's own rows gets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from casework.drafting.catalogue import letter_spec
from casework.services.daily_sweep import daily_sweep
from casework.services.letters import drafts
from casework.services.letters.facts import Sources, case_evidence, gather, read_ahead
from casework.services.register.schools import school_context
from casework.store.database import Database
from casework.store.models import Case, Pupil, School
from tests.support.actions import as_user
from tests.support.dates import d
from tests.support.letters import PARENTS, draft
from tests.support.rows import cases_of
from tests.support.world import AO, World

# Absence, lateness and illness in November: a concern with a letter sent, lates to quote.
NOVEMBER = {d(f"2025-11-{day:02d}"): "O" for day in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)}
NOVEMBER |= {d("2025-11-17"): "L", d("2025-11-18"): "U", d("2025-11-19"): "I"}


def facts_of(db: Database, upn: str, letter: str, on: str, ahead: bool) -> dict[str, Any]:
    with db.transaction() as session:
        pupil = session.scalars(select(Pupil).where(Pupil.upn == upn)).one()
        school = school_context(session.get_one(School, pupil.school_id))
        case = session.scalars(select(Case).where(Case.pupil_id == pupil.id)).first()
        everyone = list(session.scalars(select(Pupil.id)))
        read = read_ahead(session, everyone, d("2024-09-01"), d(on)) if ahead else {}
        mine = read.get(pupil.id, {})
        evidence = case_evidence(session, case, mine)
        sources = Sources(session, school, pupil, case, None, d(on), evidence, mine)
        return gather(sources, letter_spec(letter))


def test_read_ahead_gives_every_letter_the_facts_it_reads_alone(db: Database, world: World) -> None:
    upn = world.pupil(contacts=PARENTS)
    world.marks(upn, d("2025-09-03"), d("2025-11-28"), NOVEMBER)
    other = world.pupil(contacts=PARENTS)  # read with it: its rows stay its own
    world.marks(other, d("2025-09-03"), d("2025-11-28"), {d("2025-11-20"): "L"})
    daily_sweep(db, d("2025-11-28"))
    (case,) = cases_of(db, upn, "attendance_concern")
    letter = draft(db, int(case["id"]), "below_90", AO, "2025-11-28")[0]
    drafts.send_letter(db, letter_id=letter.id, who=as_user(db, AO), today=d("2025-11-28"))
    for template in ("below_90", "punctuality", "medical_evidence_request"):
        alone = facts_of(db, upn, template, "2025-12-01", ahead=False)
        assert alone["letters_sent"]["below_90"]["sent_on"] == "2025-11-28"
        assert alone["lates"]["count"] == 4 and alone["illness"]["count"] == 2  # AM and PM
        assert facts_of(db, upn, template, "2025-12-01", ahead=True) == alone
