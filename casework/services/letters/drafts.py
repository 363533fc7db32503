"""Letter commands: draft a letter per addressee, preview or print it, send it, list them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.drafting.addressees import LA as TO_LA
from casework.drafting.addressees import Addressee, family_addressees
from casework.drafting.catalogue import LA, LETTERS, LetterSpec, UnknownLetterError, letter_spec
from casework.drafting.needs import missing_facts
from casework.drafting.render import (
    RenderError,
    html_to_pdf,
    join_pdfs,
    render_html,
    sha256,
    template_sources,
)
from casework.machines.roles import LA as LA_ROLES
from casework.machines.roles import SCHOOL_STAFF, SYSTEM, may, role_words, with_article
from casework.services.cases import CaseDetail
from casework.services.cases.commands import STEP_LETTERS
from casework.services.cases.facts import load_case, school_context_of
from casework.services.cases.writes import record_evidence
from casework.services.errors import LetterError, LetterNotFoundError
from casework.services.letters.facts import Sources, case_evidence, gather
from casework.services.reach import Actor, visible_to
from casework.services.register.schools import SchoolContext
from casework.store.database import Database
from casework.store.models import Case, Letter, LetterPdf, Pupil, PupilFinding, School

# Who drafts and sends letters: the school's attendance staff, the LA on the cases it holds,
# and the sweep (which drafts, never sends).
WRITERS = SCHOOL_STAFF | LA_ROLES | SYSTEM
SENDERS = SCHOOL_STAFF | LA_ROLES
CHANNELS = ("post", "hand", "email")
MAX_ID = 2**31 - 1


@dataclass(frozen=True, slots=True)
class LetterView:
    """A letter as a list or a page shows it."""

    id: int
    template: str
    title: str
    case_id: int | None
    upn: str
    pupil_name: str
    addressee: str
    addressee_kind: str
    address: tuple[str, ...]
    letter_date: date
    status: str
    drafted_by: str
    sent_on: date | None
    sent_by: str | None
    channel: str | None
    pdf_sha256: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "template": self.template,
            "title": self.title,
            "case": self.case_id,
            "upn": self.upn,
            "pupil": self.pupil_name,
            "addressee": self.addressee,
            "addressee_kind": self.addressee_kind,
            "address": list(self.address),
            "date": self.letter_date.isoformat(),
            "status": self.status,
            "drafted_by": self.drafted_by,
            "sent_on": self.sent_on.isoformat() if self.sent_on else None,
            "sent_by": self.sent_by,
            "channel": self.channel,
            "sha256": self.pdf_sha256,
        }


def _view(letter: Any, upn: str, pupil_name: str) -> LetterView:
    # `letter`: a Letter, or a row of its table (the case page reads them with the case).
    return LetterView(
        letter.id,
        letter.template,
        letter.title,
        letter.case_id,
        upn,
        pupil_name,
        letter.addressee,
        letter.addressee_kind,
        tuple(letter.facts.get("addressee", {}).get("address", ())),
        letter.letter_date,
        letter.status,
        letter.drafted_by,
        letter.sent_on,
        letter.sent_by,
        letter.channel,
        letter.pdf_sha256,
    )


def templates() -> list[LetterSpec]:
    """The letters Casework drafts, in the catalogue's order."""
    return list(LETTERS.values())


def _spec(template: str) -> LetterSpec:
    try:
        return letter_spec(template)
    except UnknownLetterError as error:
        raise LetterError(str(error)) from None


def _la_addressee(facts: dict[str, Any]) -> Addressee:
    la = facts["la"]
    name = la["team"] or la["name"]
    lines = ([la["name"]] if la["team"] and la["name"] else []) + list(la["address"])
    return Addressee(name, TO_LA, "local authority", tuple(lines))


def _overrides(school: SchoolContext) -> tuple[tuple[str, str], ...]:
    letters = school.config.extra.get("letters", {})
    return template_sources(letters) if isinstance(letters, dict) else ()


def draft_in_session(
    session: Session,
    *,
    school: SchoolContext,
    pupil: Pupil,
    case: Case | None,
    finding: PupilFinding | None,
    spec: LetterSpec,
    who: Actor,
    today: date,
    rule: str | None = None,
    read: dict[Any, Any] | None = None,
    next_id: Callable[[], int] | None = None,
) -> list[Letter]:
    """Draft `spec` to each of its addressees within the caller's transaction, or refuse with
    every missing fact named (nothing is stored then: a letter added before a refusal is
    taken out again, so that a caller drafting many letters needs no savepoint each).
    `read`: what `read_ahead` read of the pupil already; `next_id`: the ids of new letters
    (`LetterIds`), for a caller drafting many, whose letters are then written together."""
    evidence = case_evidence(session, case, read)
    sources = Sources(session, school, pupil, case, finding, today, evidence, read or {})
    facts = gather(sources, spec, rule)
    missing = missing_facts(spec, facts)
    if spec.audience == LA:
        addressees = [_la_addressee(facts)]
    else:
        addressees, cannot_reach = family_addressees(facts["pupil"]["name"], sources.contacts())
        missing += cannot_reach
    if missing:
        raise LetterError(
            f"the {spec.id} letter for {facts['pupil']['name']} cannot be drafted: "
            + "; ".join(missing)
        )
    overrides = _overrides(school)
    now = datetime.now(UTC)
    drafted = []
    for addressee in addressees:
        letter = Letter(
            id=next_id() if next_id else None,
            school_id=school.id,
            pupil_id=pupil.id,
            case_id=case.id if case else None,
            finding_id=finding.id if finding else None,
            template=spec.id,
            title=spec.title,
            addressee=addressee.name,
            addressee_kind=addressee.kind,
            contact_id=addressee.contact_id,
            letter_date=today,
            facts={},
            status="drafted",
            drafted_at=now,
            drafted_by=who.username,
        )
        if next_id is None:  # the database gives the id its reference quotes
            session.add(letter)
            session.flush()
        about = f"C{case.id}" if case else f"P{pupil.id}"
        reference = f"{school.urn}/{about}/L{letter.id}"
        letter.facts = {
            **facts,
            "letter": {**facts["letter"], "reference": reference},
            "addressee": addressee.as_dict(),
        }
        drafted.append(letter)
        try:
            # Rendered once now, so that a template asking for a fact we lack refuses here,
            # not when the office prints it.
            render_html(spec.id, letter.facts, overrides)
        except RenderError as error:
            for added in drafted:  # the caller's transaction goes on without them
                if added in session:
                    session.delete(added)
            session.flush()
            raise LetterError(str(error)) from None
    if next_id is not None:  # inserted with the caller's other letters, at its next flush
        session.add_all(drafted)
    return drafted


class LetterIds:
    """The ids of the letters a sweep drafts, known before they are written, so that its
    thousands of letters go to the database together rather than a flush each. SQLite: the
    next after the highest, under the write lock the sweep holds; PostgreSQL: from the
    table's sequence, a block at a time."""

    BLOCK = 500

    def __init__(self, session: Session) -> None:
        self.session = session
        self.free: list[int] = []
        self.last: int | None = None  # the last id given out

    def __call__(self) -> int:
        if not self.free:
            self.free = self._block()[::-1]
        self.last = self.free.pop()
        return self.last

    def _block(self) -> list[int]:
        if self.session.get_bind().dialect.name == "sqlite":
            top = self.last
            if top is None:
                top = int(self.session.scalar(select(func.coalesce(func.max(Letter.id), 0))) or 0)
            return list(range(top + 1, top + 1 + self.BLOCK))
        sequence = func.pg_get_serial_sequence("letter", "id")
        return list(
            self.session.scalars(
                select(func.nextval(sequence)).select_from(func.generate_series(1, self.BLOCK))
            )
        )


def draft_letters(
    db: Database, *, case_id: int, template: str, who: Actor, today: date
) -> list[LetterView]:
    """Draft one letter per addressee on a case: each parent with parental responsibility and
    the carer the pupil lives with, or the LA."""
    spec = _spec(template)
    with db.transaction() as session:
        if not may(who.role, WRITERS):
            raise LetterError(f"{with_article(role_words(who.role))} may not draft letters")
        case = load_case(session, case_id, who)
        pupil = session.get_one(Pupil, case.pupil_id)
        school = _school(session, case.school_id)
        letters = draft_in_session(
            session,
            school=school,
            pupil=pupil,
            case=case,
            finding=None,
            spec=spec,
            who=who,
            today=today,
        )
        name = f"{pupil.forename} {pupil.surname}".strip()
        return [_view(letter, pupil.upn, name) for letter in letters]


def _school(session: Session, school_id: int) -> SchoolContext:
    urn, name, updated_at = session.execute(
        select(School.urn, School.name, School.updated_at).where(School.id == school_id)
    ).one()
    return school_context_of(session, school_id, urn, name, updated_at)


def _load(session: Session, letter_id: int, who: Actor, *, lock: bool = False) -> Letter:
    if not 0 < letter_id <= MAX_ID:
        raise LetterNotFoundError(letter_id)
    query = select(Letter).where(Letter.id == letter_id, visible_to(who, Letter))
    if lock:
        query = query.with_for_update()
    letter = session.scalars(query).first()
    if letter is None:
        raise LetterNotFoundError(letter_id)
    return letter


def _html(session: Session, letter: Letter) -> str:
    school = _school(session, letter.school_id)
    try:
        return render_html(letter.template, letter.facts, _overrides(school))
    except RenderError as error:
        raise LetterError(str(error)) from None


def letter_html(db: Database, *, letter_id: int, who: Actor) -> str:
    """The letter as an HTML page, to read before sending."""
    with db.transaction() as session:
        return _html(session, _load(session, letter_id, who))


def letter_view(db: Database, *, letter_id: int, who: Actor) -> LetterView:
    """One letter as a page shows it (to whom, its date, whether and how it was sent)."""
    with db.transaction() as session:
        letter = _load(session, letter_id, who)
        pupil = session.get_one(Pupil, letter.pupil_id)
        return _view(letter, pupil.upn, f"{pupil.forename} {pupil.surname}".strip())


def letter_pdf(db: Database, *, letter_id: int, who: Actor) -> bytes:
    """The letter's PDF: exactly the one that was sent, or, for a draft, as it would print."""
    with db.transaction() as session:
        letter = _load(session, letter_id, who)
        kept = session.get(LetterPdf, letter.id)
        if kept is not None:
            return kept.pdf
        html = _html(session, letter)
    return html_to_pdf(html)


def send_letter(
    db: Database, *, letter_id: int, who: Actor, today: date, channel: str = "post"
) -> LetterView:
    """Mark a drafted letter sent: keep its PDF and its SHA-256, and record it on the case."""
    if channel not in CHANNELS:
        raise LetterError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    with db.transaction() as session:
        if not may(who.role, SENDERS):
            raise LetterError(f"{with_article(role_words(who.role))} may not send letters")
        letter = _load(session, letter_id, who, lock=True)
        if letter.status == "sent":
            raise LetterError(
                f"letter {letter_id} was already sent on {letter.sent_on} by {letter.sent_by}"
            )
        pdf = html_to_pdf(_html(session, letter))
        digest = sha256(pdf)
        session.add(LetterPdf(letter_id=letter.id, sha256=digest, pdf=pdf))
        letter.status = "sent"
        letter.sent_on = today
        letter.sent_at = datetime.now(UTC)
        letter.sent_by = who.username
        letter.channel = channel
        letter.pdf_sha256 = digest
        if letter.case_id is not None:
            case = load_case(session, letter.case_id, who, lock=True)
            evidence = record_evidence(
                session,
                case,
                who,
                today,
                "letter_sent",
                {
                    "letter": letter.template,
                    "sent_on": today.isoformat(),
                    "to": letter.addressee,
                    "channel": channel,
                    "letter_id": str(letter.id),
                    "sha256": digest,
                },
            )
            letter.evidence_id = evidence.id
        session.flush()
        pupil = session.get_one(Pupil, letter.pupil_id)
        return _view(letter, pupil.upn, f"{pupil.forename} {pupil.surname}".strip())


def list_letters(
    db: Database,
    *,
    who: Actor,
    case_id: int | None = None,
    unsent: bool = False,
    on: date | None = None,
) -> list[LetterView]:
    """The letters `who` may see, newest first: of one case, only unsent, or of one date."""
    with db.reads() as session:
        return _list(session, who, case_id, unsent, on)


def shown_with_case(detail: CaseDetail) -> list[LetterView]:
    """The letters of a case as its page lists them (newest first), from what `show_case`
    read with the page: no statement of their own."""
    summary = detail.summary
    return [_view(row, summary.upn, summary.pupil_name) for row in reversed(detail.letter_rows)]


def case_letters(db: Database, *, case_id: int, who: Actor) -> list[LetterView]:
    """The letters of one case, newest first; a case out of reach is not found."""
    with db.reads() as session:
        load_case(session, case_id, who)
        return _list(session, who, case_id, False, None)


def _list(
    session: Session, who: Actor, case_id: int | None, unsent: bool, on: date | None
) -> list[LetterView]:
    query = (
        select(Letter, Pupil.upn, Pupil.forename, Pupil.surname)
        .join(Pupil, Pupil.id == Letter.pupil_id)
        .where(visible_to(who, Letter))
        .order_by(Letter.id.desc())
    )
    if case_id is not None:
        query = query.where(Letter.case_id == case_id)
    if unsent:
        query = query.where(Letter.status == "drafted")
    if on is not None:
        query = query.where(Letter.letter_date == on)
    return [
        _view(letter, upn, f"{forename} {surname}".strip())
        for letter, upn, forename, surname in session.execute(query)
    ]


def batch_pdf(db: Database, *, who: Actor, on: date | None = None) -> tuple[bytes, int]:
    """Every drafted, unsent letter `who` may see (of the date `on`, when given) in one PDF
    for the office to print, oldest first; and how many letters it holds."""
    with db.transaction() as session:
        letters = list(reversed(_list(session, who, None, True, on)))
        if not letters:
            when = f" dated {on.isoformat()}" if on else ""
            raise LetterError(f"no drafted letters to print{when}")
        pages = [_html(session, _load(session, view.id, who)) for view in letters]
    return join_pdfs(html_to_pdf(html) for html in pages), len(letters)


def draft_for_step(
    session: Session, case: Case, letter: str, who: Actor, today: date, school: SchoolContext
) -> list[int]:
    """The letter a step names, drafted on its case as the step is taken."""
    try:
        spec = letter_spec(letter)
    except UnknownLetterError as error:
        raise LetterError(str(error)) from None
    pupil = session.get_one(Pupil, case.pupil_id)
    drafted = draft_in_session(
        session,
        school=school,
        pupil=pupil,
        case=case,
        finding=None,
        spec=spec,
        who=who,
        today=today,
    )
    return [letter.id for letter in drafted]


STEP_LETTERS.append(draft_for_step)
