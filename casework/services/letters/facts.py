"""The facts a letter is drafted from, gathered from the register, the case, the policy and the
school file as of the letter's date (never typed in by hand)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from casework.drafting.addressees import ContactDetails, address_lines
from casework.drafting.catalogue import HEAD, RULES_ANSWERED, LetterSpec
from casework.machines import LIFECYCLES
from casework.policy.model import Policy, RuleSpec
from casework.register.statistics import pupil_stats
from casework.services.cases.facts import current_evidence, pupil_register
from casework.services.schools import SchoolContext
from casework.store.models import Case, Contact, Letter, Pupil, PupilFinding, SessionMark
from casework.text import long_date


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
    days = calendar.school_days(start, end) if start <= end else []
    if not days:
        return None
    start = days[0]  # a half term after its break begins on a Saturday: say the first school day
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


def _short(rule_id: str) -> str:
    """A rule's name without its preset (`copnor.medical_1` is `medical_1`)."""
    return rule_id.rsplit(".", 1)[-1]


def _finding(
    sources: Sources, rule: str | None, answers: tuple[str, ...] = ()
) -> dict[str, Any] | None:
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
    elif answers:  # a letter sent for a rule quotes that rule's finding or none
        findings = [f for f in findings if _short(str(f["details"].get("rule"))) in answers]
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
        # Its rules by name (`policy.rules.penalty_threshold.params.at_least`), so that a
        # letter quotes the numbers the school's rules count with.
        "rules": {_short(r.id): _rule_facts(r) for r in policy.rules.values()},
        # Its numbered tables (the penalty notice amounts, the notice to improve's period...).
        "sections": policy.sections,
    }


def _rule_facts(rule: RuleSpec) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": _short(rule.id),
        "kind": rule.kind,
        "params": dict(rule.params),
        "action": rule.action,
    }


def answered_rule(
    policy: Policy, letter_id: str, finding: dict[str, Any] | None = None
) -> RuleSpec | None:
    """The rule of the school's policy a letter is sent for: the one whose finding it quotes,
    else the first of the names it answers that the policy has."""
    names = RULES_ANSWERED.get(letter_id, ())
    if finding and _short(str(finding.get("rule"))) in names and finding["rule"] in policy.rules:
        return policy.rules[finding["rule"]]
    by_name = {_short(r.id): r for r in policy.rules.values()}
    return next((by_name[n] for n in names if n in by_name), None)


_RATE_KINDS = frozenset({"attendance_rate", "absence_rate"})  # rules of a period's rate


def _rate_met(rule: RuleSpec, figures: dict[str, Any] | None) -> bool | None:
    """Whether a rate rule's figures hold for the period's figures (as the rule counts them,
    in whole sessions); None for a rule of another kind or a period the letter has no figures
    for."""
    if rule.kind not in _RATE_KINDS or figures is None:
        return None
    attended, possible = int(figures["attended"]), int(figures["possible"])
    params = rule.params
    if possible == 0:
        return False
    if rule.kind == "absence_rate":
        return (possible - attended) * 100 >= possible * float(params["at_least"])
    met = attended * 100 >= possible * float(params.get("at_least", -1))
    met &= attended * 100 > possible * float(params.get("above", -1))
    if "below" in params:
        met &= attended * 100 < possible * float(params["below"])
    return met


def _letter_rule(
    sources: Sources, letter_id: str, finding: dict[str, Any] | None, figures: dict[str, Any]
) -> dict[str, Any] | None:
    rule = answered_rule(sources.school.policy, letter_id, finding)
    if rule is None:
        return None
    period = str(rule.params.get("period", ""))
    # `period` is the policy's word ("half_term"), the figures' key too.
    return {**_rule_facts(rule), "met": _rate_met(rule, figures.get(period))}


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


_MARKS_T = SessionMark.__table__
_CODED_MARKS = (
    select(_MARKS_T.c.date, _MARKS_T.c.session, _MARKS_T.c.code, _MARKS_T.c.minutes_late)
    .where(
        _MARKS_T.c.pupil_id == bindparam("pupil_id"),
        _MARKS_T.c.date >= bindparam("start", type_=_MARKS_T.c.date.type),
        _MARKS_T.c.date <= bindparam("end", type_=_MARKS_T.c.date.type),
        _MARKS_T.c.code.in_(bindparam("codes", expanding=True)),
    )
    .order_by(_MARKS_T.c.date, _MARKS_T.c.session)
)
LATE_CODES = ("L", "U")  # late before the register closed (present), and after it (absent)
ILLNESS = "I"


def _coded_marks(
    sources: Sources, start: date, end: date, codes: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The pupil's marks with these codes on school days start..end, oldest first."""
    rows = sources.session.execute(
        _CODED_MARKS,
        {"pupil_id": sources.pupil.id, "start": start, "end": end, "codes": list(codes)},
    )
    return [
        {"date": day.isoformat(), "session": session, "code": code, "minutes_late": minutes}
        for day, session, code, minutes in rows
    ]


def _window(name: str, start: date, marks: list[dict[str, Any]]) -> dict[str, Any]:
    inside = [m for m in marks if m["date"] >= start.isoformat()]
    recorded = [m["minutes_late"] for m in inside if m["minutes_late"] is not None]
    return {
        "name": name,
        "from": start.isoformat(),
        "marks": inside,
        "count": len(inside),
        "minutes": sum(recorded) if recorded else None,  # None: no minutes were recorded
        "minutes_all_recorded": len(recorded) == len(inside),
    }


def lates(sources: Sources) -> dict[str, Any] | None:
    """The pupil's late marks (L and U) this school year up to the letter's date, with the
    term's and half term's, and the window the policy's punctuality rule counts (its codes,
    its period); this half term where the policy has no such rule."""
    calendar, on = sources.school.calendar, sources.on
    year = calendar.academic_year(on)
    if year is None:
        return None
    marks = _coded_marks(sources, year.start, on, LATE_CODES)
    starts = {"year": ("this school year", year.start)}
    if term := calendar.latest_term(on):
        starts["term"] = (f"this {term.name} term", max(term.start, year.start))
        if half := calendar.latest_half_term(on):
            # A half term after the break starts on the Saturday: name its first school day.
            first = next(iter(calendar.school_days(half.start, on)), half.start)
            starts["half_term"] = (f"this half term (since {long_date(first)})", half.start)
    windows = {period: _window(name, start, marks) for period, (name, start) in starts.items()}
    rule = answered_rule(sources.school.policy, "punctuality")
    period = str(rule.params.get("period", "half_term")) if rule else "half_term"
    codes = tuple(rule.params.get("codes", LATE_CODES)) if rule else LATE_CODES
    name, start = starts.get(period, starts["year"])
    counted = {
        **_window(name, start, [m for m in marks if m["code"] in codes]),
        "period": period,
        "codes": list(codes),
    }
    times = sources.school.config.registers
    return {
        **windows,
        "marks": marks,
        "count": len(marks),
        "counted": counted,
        # When the registers close: after that a late arrival is a U, not an L.
        "registers": {
            "am_closes": f"{times.am_closes:%H:%M}",
            "pm_closes": f"{times.pm_closes:%H:%M}",
        },
    }


def _covered(day: str, evidence: list[dict[str, Any]]) -> bool:
    """Whether medical evidence on the case covers the day."""
    for item in evidence:
        details = item["details"]
        start, end = (
            details.get("covers_from"),
            details.get("covers_to") or details.get("covers_from"),
        )
        if start and end and str(start) <= day <= str(end):
            return True
    return False


def illness(sources: Sources) -> dict[str, Any] | None:
    """The pupil's illness sessions (I) this term up to the letter's date, and, once a letter
    asking for medical evidence was sent, those since then that no medical evidence covers."""
    calendar, on = sources.school.calendar, sources.on
    term, year = calendar.latest_term(on), calendar.academic_year(on)
    if term is None or year is None:
        return None
    marks = _coded_marks(sources, year.start, on, (ILLNESS,))
    in_term = [m for m in marks if m["date"] >= term.start.isoformat()]
    asked = [
        str(e["details"]["sent_on"])
        for e in sources.of_kind("letter_sent")
        if e["details"].get("letter") == "medical_evidence_request" and e["details"].get("sent_on")
    ]
    medical = sources.of_kind("medical_evidence")
    since = (
        [m for m in marks if m["date"] > max(asked) and not _covered(m["date"], medical)]
        if asked
        else []
    )
    return {
        "term": term.name,
        "from": max(term.start, year.start).isoformat(),
        "to": on.isoformat(),
        "marks": in_term,
        "count": len(in_term),
        "days": len({m["date"] for m in in_term}),
        "since_request": since,
    }


def meeting(sources: Sources) -> dict[str, Any] | None:
    """The meeting with the family arranged on the case (the latest recorded), if it is on or
    after the letter's date: an invitation is never to a meeting already past."""
    arranged = sources.latest("meeting_arranged")
    if arranged is None or str(arranged["details"]["date"]) < sources.on.isoformat():
        return None
    return {**arranged["details"], "recorded_on": arranged["recorded_on"]}


EXTRAS: dict[str, Extra] = {"lates": lates, "illness": illness, "meeting": meeting}


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
        "finding": _finding(sources, rule, RULES_ANSWERED.get(spec.id, ())),
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
    facts["rule"] = _letter_rule(sources, spec.id, facts["finding"], facts["attendance"])
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
