"""The LA evidence pack: one PDF of a case for a referral (cover sheet with the head's sign-off,
chronology, contact and home visits, plans and meetings, agencies, parental responsibility, the
attendance printout) followed by the copies of every letter sent, exactly as they were kept."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from casework import text
from casework.drafting.addressees import address_lines
from casework.drafting.catalogue import LETTERS
from casework.drafting.printout import Printout, session_grid
from casework.drafting.render import RenderError, html_to_pdf, join_pdfs, render_document
from casework.machines import LIFECYCLES
from casework.machines.evidence import EVIDENCE_KINDS
from casework.machines.lifecycle import Lifecycle
from casework.machines.roles import LA as LA_ROLES
from casework.machines.roles import SCHOOL_STAFF, may, role_words, with_article
from casework.register.calendar import AcademicYear
from casework.services.cases.facts import all_evidence, current_evidence, load_case_page
from casework.services.errors import LetterError
from casework.services.letters.facts import Sources, attendance, case_evidence
from casework.services.reach import Actor
from casework.services.register.schools import SchoolContext
from casework.store.database import Database
from casework.store.models import AppUser, Case, CaseEvent, Contact, Letter, LetterPdf, Pupil
from casework.store.models import SessionMark as Mark

# Who prints a pack: the school that refers and the LA that receives (a teacher does not).
READERS = SCHOOL_STAFF | LA_ROLES
TEMPLATE = "pack.html"
# Fields of a plan shown under their own headings, whatever the plan is (the school's own
# plans may carry targets and actions; ours carry a summary).
PLAN_FIELDS = ("targets", "actions", "summary")
# The cover sheet and six sections, each starting a page: the fewest pages of the pack's own.
OWN_PAGES_AT_LEAST = 7


@dataclass(frozen=True, slots=True)
class KeptLetter:
    """A letter sent on the case, whose kept PDF the pack carries unchanged."""

    id: int
    title: str
    to: str
    sent_on: date
    channel: str
    sha256: str
    pdf: bytes
    pages: int
    first_page: int = 0  # where it starts in the pack


def evidence_pack(db: Database, *, case_id: int, who: Actor, today: date) -> bytes:
    """The case's evidence pack for the LA as one PDF (not found for a case out of reach)."""
    if not may(who.role, READERS):
        raise LetterError(
            f"{with_article(role_words(who.role))} may not print a case's evidence pack"
        )
    with db.transaction() as session:
        page = load_case_page(session, case_id, who)
        case, pupil, school = page.case, page.pupil, page.school
        context = _context(session, case, pupil, school, who, today)
        kept = _kept_letters(session, case.id, today)
    return _assemble(context, kept)


def _assemble(context: dict[str, Any], kept: list[KeptLetter]) -> bytes:
    """The pack's own pages, then each kept letter. The contents give the page each letter
    starts on, which depends on how many pages the pack's own part takes: render until the
    count settles (it does at the second pass unless a page number's width moves a break)."""
    own_pages = OWN_PAGES_AT_LEAST
    for _attempt in range(4):
        placed, page = [], own_pages + 1
        for letter in kept:
            placed.append(replace(letter, first_page=page))
            page += letter.pages
        try:
            html = render_document(
                TEMPLATE, {**context, "letters": placed, "total_pages": page - 1}
            )
        except RenderError as error:
            raise LetterError(str(error)) from None
        front = html_to_pdf(html)
        counted = _pages(front)
        if counted == own_pages:
            break
        own_pages = counted
    return join_pdfs([front, *(letter.pdf for letter in kept)])


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _kept_letters(session: Session, case_id: int, today: date) -> list[KeptLetter]:
    rows = session.execute(
        select(Letter, LetterPdf.pdf)
        .join(LetterPdf, LetterPdf.letter_id == Letter.id)
        .where(Letter.case_id == case_id, Letter.status == "sent", Letter.sent_on <= today)
        .order_by(Letter.sent_on, Letter.id)
    )
    return [
        KeptLetter(
            letter.id,
            letter.title,
            letter.addressee,
            letter.sent_on or letter.letter_date,
            letter.channel or "",
            letter.pdf_sha256 or "",
            pdf,
            _pages(pdf),
        )
        for letter, pdf in rows
    ]


# -- what the pack's own pages read ------------------------------------------------------


def _person(people: dict[int, tuple[str, str]], user_id: int | None) -> dict[str, str]:
    name, position = people.get(user_id or 0, ("", ""))
    return {"name": name, "position": position}


def _people(session: Session, ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = session.execute(
        select(AppUser.id, AppUser.name, AppUser.position).where(AppUser.id.in_(wanted))
    )
    return {uid: (name, position) for uid, name, position in rows}


def _letter_title(letter: str) -> str:
    spec = LETTERS.get(letter)
    return spec.title if spec else text.words(letter).capitalize()


def _evidence_words(kind: str, details: dict[str, Any], steps: dict[str, str]) -> str:
    """An item of evidence in a line of the chronology (`steps`: each trigger's label)."""
    label = EVIDENCE_KINDS[kind].label if kind in EVIDENCE_KINDS else text.words(kind)
    if kind == "letter_sent":
        to = f" to {details['to']}" if details.get("to") else ""
        by = f" by {details['channel']}" if details.get("channel") else ""
        return f"Letter sent: {_letter_title(str(details.get('letter')))}{to}{by}"
    if kind == "slt_approval":
        reason = f": {details['reason']}" if details.get("reason") else ""
        step = str(details.get("step"))
        return f"{label}: {details.get('decision')} “{steps.get(step, text.words(step))}”{reason}"
    if kind == "signed_plan":
        plan = text.words(str(details.get("plan"))).capitalize()
        review = text.value_words(details.get("review_date", ""))
        return f"{label}: {plan}, signed {text.value_words(details.get('signed_on', ''))}, " + (
            f"to be reviewed {review}"
            + (f"; {details['summary']}" if details.get("summary") else "")
        )
    if kind == "finding":
        return f"Sweep finding: {details.get('staff_reason') or details.get('reason')}"
    shown = {k: v for k, v in text.shown_details(details).items() if k != "sha256"}
    if len(shown) == 1:  # a kind of one field: its value says it (`Agencies involved: none`)
        return f"{label}: {text.value_words(next(iter(shown.values())))}"
    said = text.evidence_details(shown)
    return f"{label}: {said}" if said else label


def _step_words(machine: Lifecycle, trigger: str | None, src: str | None, dest: str | None) -> str:
    """`Offer school-led support (monitoring to school-led support)`."""
    step = next(
        (s for s in machine.steps if s.trigger == trigger and (src in s.source) and s.dest == dest),
        None,
    )
    label = step.label if step else text.words(trigger or "step")

    def state(name: str | None) -> str:
        found = machine.states.get(name or "")
        return text.in_sentence(found.label) if found else text.words(name or "")

    return f"{label} ({state(src)} to {state(dest)})"


def _chronology(
    session: Session,
    case: Case,
    machine: Lifecycle,
    evidence: dict[int, Row[Any]],
) -> list[dict[str, Any]]:
    events = session.execute(
        select(CaseEvent, AppUser.name)
        .outerjoin(AppUser, AppUser.id == CaseEvent.user_id)
        .where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.seq)
    )
    labels = step_labels(machine)
    out = []
    for event, name in events:
        item = evidence.get(event.evidence_id or 0)
        if event.action == "transition":
            what = _step_words(machine, event.trigger, event.from_state, event.to_state)
        elif event.action == "opened":
            state = machine.states.get(event.to_state or "")
            what = f"Case opened ({text.in_sentence(state.label) if state else event.to_state})"
        elif item is not None:
            what = _evidence_words(item.kind, dict(item.details), labels)
            if event.action == "superseded":
                what = f"Correction of evidence {item.supersedes_id}: {what}"
            if item.recorded_on != event.on_day:
                what += f" (on {text.long_date(item.recorded_on)})"
        else:
            what = text.event_what(
                event.action, event.trigger, event.from_state, event.to_state, event.evidence_id
            ).capitalize()
        out.append(
            {
                "on": text.short_date(event.on_day),
                "who": name or event.username,
                "position": event.position,
                "what": what,
                "note": event.note or "",
            }
        )
    return out


def _items(
    rows: list[Row[Any]], kind: str, people: dict[int, tuple[str, str]]
) -> list[dict[str, Any]]:
    """The current evidence of one kind, oldest first, each with who recorded it (a field
    left out, such as an optional summary, is blank)."""
    blank = {f.name: "" for f in EVIDENCE_KINDS[kind].fields}
    return [
        {
            **blank,
            "on": text.long_date(e.recorded_on),
            "by": _person(people, e.recorded_by_id),
            **{k: text.value_words(v) for k, v in text.shown_details(dict(e.details)).items()},
        }
        for e in rows
        if e.kind == kind
    ]


def step_labels(machine: Lifecycle) -> dict[str, str]:
    """Each trigger's label (of twin steps, the first declared)."""
    return {s.trigger: s.label for s in reversed(machine.steps)}


def _approvals(
    machine: Lifecycle, rows: list[Row[Any]], people: dict[int, tuple[str, str]]
) -> list[dict[str, Any]]:
    """The senior leaders' decisions on the case, each naming the step it was about."""
    labels = step_labels(machine)
    return [
        {
            "step": labels.get(str(e.details.get("step")), text.words(str(e.details.get("step")))),
            "decision": str(e.details.get("decision", "")),
            "reason": str(e.details.get("reason", "") or ""),
            "on": text.long_date(e.recorded_on),
            "by": _person(people, e.recorded_by_id),
        }
        for e in rows
        if e.kind == "slt_approval"
    ]


def _contacts(session: Session, pupil_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Contact).where(Contact.pupil_id == pupil_id).order_by(Contact.priority, Contact.id)
    )
    return [
        {
            "name": c.name,
            "relationship": c.relationship,
            "parental_responsibility": c.parental_responsibility,
            "lives_with_pupil": c.lives_with_pupil,
            "address": ", ".join(address_lines(c.address or "")),
            "phone": c.phone,
            "email": c.email,
        }
        for c in rows
    ]


def _school_year(school: SchoolContext, today: date) -> AcademicYear:
    """The school year of `today` (in a holiday after the calendar's last term, the last)."""
    calendar = school.calendar
    return calendar.academic_year(today) or calendar.academic_years[-1]


def _printout(
    session: Session, school: SchoolContext, pupil: Pupil, year: AcademicYear, today: date
) -> Printout:
    """The session grid for the school year up to `today`."""
    calendar = school.calendar
    end = min(today, year.end)
    marks = session.execute(
        select(Mark.date, Mark.session, Mark.code).where(
            Mark.pupil_id == pupil.id, Mark.date >= year.start, Mark.date <= end
        )
    )
    return session_grid(
        calendar,
        {(day, s): code for day, s, code in marks},
        year.start,
        end,
        on_roll_from=pupil.admission_date,
        on_roll_to=pupil.leaving_date,
    )


def _letters_by_hand(rows: list[Row[Any]]) -> list[dict[str, Any]]:
    """Letters recorded as sent that Casework did not draft: no copy is kept to append."""
    return [
        {
            "title": _letter_title(str(e.details.get("letter"))),
            "sent_on": text.long_date(date.fromisoformat(str(e.details["sent_on"]))),
            "to": str(e.details.get("to", "") or ""),
        }
        for e in rows
        if e.kind == "letter_sent" and not e.details.get("letter_id")
    ]


def _context(
    session: Session, case: Case, pupil: Pupil, school: SchoolContext, who: Actor, today: date
) -> dict[str, Any]:
    machine = LIFECYCLES[case.kind]
    every = all_evidence(session, case.id)
    current = current_evidence(session, case.id, every)
    people = _people(session, [e.recorded_by_id for e in every])
    config = school.config
    la = config.extra.get("la", {}) if isinstance(config.extra.get("la"), dict) else {}
    sources = Sources(session, school, pupil, case, None, today, case_evidence(session, case))
    year = attendance(sources)["year"]
    school_year = _school_year(school, today)
    plans = [
        {
            **plan,
            "fields": [(text.words(f).capitalize(), plan[f]) for f in PLAN_FIELDS if plan.get(f)],
        }
        for plan in _items(current, "signed_plan", people)
    ]
    return {
        "pack": {
            "reference": f"{school.urn}/C{case.id}",
            "date": text.long_date(today),
            "prepared_by": {"name": who.name, "position": who.position},
        },
        "school": {
            "name": config.name,
            "urn": config.urn,
            "address": list(config.address),
            "phone": config.phone,
            "email": config.email,
        },
        "la": {"name": str(la.get("name", "")), "team": str(la.get("team", ""))},
        "head": {"name": config.head.name, "position": config.head.position},
        "pupil": {
            "name": f"{pupil.forename} {pupil.surname}".strip(),
            "date_of_birth": text.long_date(pupil.date_of_birth),
            "upn": pupil.upn,
            "year_group": pupil.year_group,
        },
        "case": {
            "id": case.id,
            "title": machine.title,
            "state": machine.states[case.state].label,
            "opened_on": text.long_date(case.opened_on),
            "closed_on": text.long_date(case.closed_on) if case.closed_on else "",
        },
        "approvals": _approvals(machine, current, people),
        "chronology": _chronology(session, case, machine, {e.id: e for e in every}),
        "contact_attempts": _items(current, "contact_attempt", people),
        "home_visits": _items(current, "home_visit", people),
        "meetings": _items(current, "meeting", people),
        "plans": plans,
        "support": _items(current, "support_offered", people),
        "agencies": _items(current, "agencies", people),
        "contacts": _contacts(session, pupil.id),
        "year": year,
        "year_label": school_year.label,
        "printout": _printout(session, school, pupil, school_year, today),
        "letters_by_hand": _letters_by_hand(current),
    }
