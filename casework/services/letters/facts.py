"""The facts a letter is drafted from, gathered from the register, the case, the policy and the
school file as of the letter's date (never typed in by hand)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.drafting.addressees import ContactDetails, address_lines
from casework.drafting.catalogue import HEAD, LetterSpec
from casework.machines import LIFECYCLES
from casework.register.statistics import pupil_stats
from casework.services.cases.facts import current_evidence, pupil_register
from casework.services.schools import SchoolContext
from casework.store.models import Case, Contact, Letter, Pupil, PupilFinding


@dataclass(frozen=True, slots=True)
class Sources:
    """What a letter's facts are read from: the school, the pupil, and the case or the finding
    it is about, as of the letter's date."""

    session: Session
    school: SchoolContext
    pupil: Pupil
    case: Case | None
    finding: PupilFinding | None
    on: date
    evidence: tuple[dict[str, Any], ...]  # the case's current evidence, oldest first

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.evidence if e["kind"] == kind]

    def latest(self, kind: str) -> dict[str, Any] | None:
        found = self.of_kind(kind)
        return found[-1] if found else None


def contacts_of(session: Session, pupil_id: int) -> list[ContactDetails]:
    rows = session.execute(
        select(Contact).where(Contact.pupil_id == pupil_id).order_by(Contact.priority, Contact.id)
    ).scalars()
    return [
        ContactDetails(
            c.name, c.relationship, c.parental_responsibility, c.lives_with_pupil, c.address, c.id
        )
        for c in rows
    ]


def _window_figures(sources: Sources, start: date, end: date) -> dict[str, Any] | None:
    """The pupil's figures over school days start..end (None when no session falls in it)."""
    calendar = sources.school.calendar
    end = min(end, sources.on, calendar.last_day)
    start = max(start, calendar.first_day)
    if sources.pupil.admission_date and sources.pupil.admission_date > start:
        start = sources.pupil.admission_date
    if start > end or not calendar.school_days(start, end):
        return None
    register = pupil_register(sources.session, sources.school, sources.pupil, start, end)
    stats = pupil_stats(register, 0, sources.school.policy)
    band = stats.band
    labels = {b.name: b.label for b in sources.school.policy.bands}
    attended = stats.present + stats.approved_activity
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "possible": stats.possible_sessions,
        "attended": attended,
        "missed": stats.authorised_absence + stats.unauthorised_absence,
        "authorised": stats.authorised_absence,
        "unauthorised": stats.unauthorised_absence,
        "late": stats.late,
        "rate": stats.attendance_rate,
        "band": band,
        "band_label": labels.get(band or "", ""),
    }


def attendance(sources: Sources) -> dict[str, Any]:
    """The pupil's figures for the school year, the term and the half term up to the letter's
    date (the latest term or half term when the date falls in a holiday)."""
    calendar = sources.school.calendar
    on = sources.on
    year = calendar.academic_year(on)
    term = calendar.latest_term(on)
    half = calendar.latest_half_term(on)
    return {
        "year": _window_figures(sources, year.start, year.end) if year else None,
        "term": (
            {**figures, "name": term.name}
            if term and (figures := _window_figures(sources, term.start, term.end))
            else None
        ),
        "half_term": (
            {**figures, "name": half.name}
            if half and (figures := _window_figures(sources, half.start, half.end))
            else None
        ),
    }


def _finding(sources: Sources, rule: str | None) -> dict[str, Any] | None:
    if sources.finding is not None:
        f = sources.finding
        return {
            "rule": f.rule,
            "reason": f.reason,
            "began": f.began.isoformat(),
            "as_of": f.found_on.isoformat(),
            **{k: v for k, v in f.details.items() if k in ("marks", "facts")},
        }
    findings = sources.of_kind("finding")
    if rule is not None:
        findings = [f for f in findings if f["details"].get("rule") == rule] or findings
    if not findings:
        return None
    latest = findings[-1]["details"]
    return {
        "rule": latest.get("rule"),
        "reason": latest.get("reason"),
        "began": latest.get("began"),
        "as_of": latest.get("as_of"),
        "marks": latest.get("marks", []),
    }


def _letters_sent(session: Session, sources: Sources) -> dict[str, dict[str, Any]]:
    """The letters already sent about the pupil, the latest of each kind (a follow-up letter
    quotes the first)."""
    rows = session.execute(
        select(Letter.template, Letter.sent_on, Letter.addressee)
        .where(
            Letter.pupil_id == sources.pupil.id,
            Letter.status == "sent",
            Letter.sent_on <= sources.on,
        )
        .order_by(Letter.sent_on, Letter.id)
    )
    out: dict[str, dict[str, Any]] = {}
    for template, sent_on, addressee in rows:
        out[template] = {"sent_on": sent_on.isoformat() if sent_on else None, "to": addressee}
    for item in sources.of_kind("letter_sent"):  # recorded by hand before letters were drafted
        details = item["details"]
        if details.get("letter") not in out and details.get("sent_on"):
            out[details["letter"]] = {"sent_on": details["sent_on"], "to": details.get("to", "")}
    return out


def _policy(school: SchoolContext) -> dict[str, Any]:
    policy = school.policy
    return {
        "id": policy.id,
        "title": policy.title,
        "persistent_absence_at_least": policy.persistent_absence_at_least,
        "severe_absence_at_least": policy.severe_absence_at_least,
        "bands": [{"name": b.name, "label": b.label, "floor": b.floor} for b in policy.bands],
        # Its numbered tables (the penalty notice amounts, the notice to improve's period...).
        "sections": policy.sections,
    }


def _plain(value: Any) -> Any:
    """Dates as ISO strings, so that the facts are JSON and stay as they were drafted."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# Facts only some letters read, each from the sources; a letter's `needs` say which must be
# there. Each returns None when the case has no such thing.
Extra = Callable[[Sources], dict[str, Any] | None]


EXTRAS: dict[str, Extra] = {}


def gather(sources: Sources, spec: LetterSpec, rule: str | None = None) -> dict[str, Any]:
    """Every fact the templates may read, for one letter (the addressee is added per copy)."""
    config = sources.school.config
    la = config.extra.get("la", {}) if isinstance(config.extra.get("la"), dict) else {}
    signatory = config.head if spec.signed_by == HEAD else config.attendance_lead
    pupil = sources.pupil
    case = sources.case
    facts: dict[str, Any] = {
        "letter": {"id": spec.id, "title": spec.title, "date": sources.on.isoformat()},
        "school": {
            "name": config.name,
            "urn": config.urn,
            "address": list(config.address),
            "phone": config.phone,
            "email": config.email,
        },
        "signatory": {"name": signatory.name, "position": signatory.position},
        "head": {"name": config.head.name, "position": config.head.position},
        "lead": {"name": config.attendance_lead.name, "position": config.attendance_lead.position},
        "la": {
            "code": config.la_code,
            "name": str(la.get("name", "")),
            "team": str(la.get("team", "")),
            "address": list(address_lines(la.get("address", "") or "")),
            "email": str(la.get("email", "")),
            "phone": str(la.get("phone", "")),
        },
        "pupil": {
            "name": f"{pupil.forename} {pupil.surname}".strip(),
            "forename": pupil.forename,
            "surname": pupil.surname,
            "date_of_birth": pupil.date_of_birth,
            "year_group": pupil.year_group,
            "upn": pupil.upn,
        },
        "attendance": attendance(sources),
        "policy": _policy(sources.school),
        "finding": _finding(sources, rule),
        "letters_sent": _letters_sent(sources.session, sources),
        "case": None,
    }
    if case is not None:
        machine = LIFECYCLES[case.kind]
        facts["case"] = {
            "id": case.id,
            "kind": case.kind,
            "title": machine.title,
            "state": case.state,
            "state_label": machine.states[case.state].label,
            "opened_on": case.opened_on,
            "details": case.details,
        }
    facts["medical_evidence_request"] = facts["letters_sent"].get("medical_evidence_request")
    for name, extra in EXTRAS.items():
        facts[name] = extra(sources)
    return _plain(facts)


def case_evidence(session: Session, case: Case | None) -> tuple[dict[str, Any], ...]:
    if case is None:
        return ()
    return tuple(
        {"id": e.id, "kind": e.kind, "recorded_on": e.recorded_on, "details": dict(e.details)}
        for e in current_evidence(session, case.id)
    )
