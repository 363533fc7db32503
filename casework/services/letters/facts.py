"""The facts a letter is drafted from, gathered from the register, the case, the policy and the
school file as of the letter's date (never typed in by hand)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from casework.drafting.addressees import ContactDetails, address_lines
from casework.drafting.catalogue import HEAD, LETTERS, RULES_ANSWERED, LetterSpec
from casework.machines import (
    LIFECYCLES,
    attendance_concern,
    leave_request,
    missing_education,
    penalty_notice,
)
from casework.machines.lifecycle import Unit, add_period
from casework.policy.model import Policy, RuleSpec
from casework.policy.rules import code_table, lookback_start, window_columns, window_text
from casework.register.codes import BY_CODE
from casework.register.marks import ATTENDING, UNAUTHORISED, Register
from casework.register.statistics import pupil_stats
from casework.services.cases.facts import current_evidence, pupil_register
from casework.services.register.schools import SchoolContext
from casework.store.models import (
    Case,
    CaseDeadline,
    CaseEvidence,
    Contact,
    Letter,
    Pupil,
    PupilFinding,
    RegisterYear,
    SessionMark,
)
from casework.store.projection import pupil_years, year_start
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
    # What one letter's facts read more than once (its contacts, the pupil's dense school
    # years), read once: a sweep drafts thousands of letters.
    _read: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.evidence if e["kind"] == kind]

    def contacts(self) -> list[ContactDetails]:
        """The pupil's contacts, in priority order."""
        if "contacts" not in self._read:  # else read with many pupils' (`read_ahead`)
            self._read["contacts"] = contacts_of(self.session, self.pupil.id)
        return list(self._read["contacts"])

    def register(self, start: date, end: date) -> Register:
        """The pupil's marks from start to end, from the dense school years read once."""
        years: dict[date, bytes | None] = self._read.setdefault("years", {})
        first, last = year_start(start), year_start(end)
        if first not in years or last not in years:
            found = pupil_years(self.session, self.pupil.id, start, end)
            for day in (first, last):
                years[day] = found.get(day)  # None: read, and the pupil has no such year
        return pupil_register(self.session, self.school, self.pupil, start, end, read=years)

    def latest(self, kind: str) -> dict[str, Any] | None:
        found = self.of_kind(kind)
        return found[-1] if found else None


def read_ahead(
    session: Session, pupil_ids: Iterable[int], start: date, end: date
) -> dict[int, dict[Any, Any]]:
    """For many pupils at once, what each letter's facts would read per pupil (its contacts,
    dense school years, late and illness marks and letters sent, from `start` to `end`): a
    few statements for a sweep's thousands of letters instead of a dozen each. Each pupil's
    entry is a `Sources._read`; what a letter needs outside those dates it reads itself."""
    wanted = sorted(set(pupil_ids))
    first, last = year_start(start), year_start(end)
    years = [date(y, 9, 1) for y in range(first.year, last.year + 1)]
    out: dict[int, dict[Any, Any]] = {
        p: {
            "contacts": [],
            "years": dict.fromkeys(years),
            "coded": (start, end, []),
            "sent": (end, []),
            "cases": [],  # the pupil's leave requests and penalty notices, oldest first
            "evidence": {},  # each case's evidence, superseded or not, oldest first
        }
        for p in wanted
    }
    for chunk in _chunks(wanted):
        for c in session.scalars(
            select(Contact)
            .where(Contact.pupil_id.in_(chunk))
            .order_by(Contact.pupil_id, Contact.priority, Contact.id)
        ):
            out[c.pupil_id]["contacts"].append(_contact(c))
        for pupil_id, year, codes in session.execute(
            select(_YEARS_T.c.pupil_id, _YEARS_T.c.year_start, _YEARS_T.c.codes).where(
                _YEARS_T.c.pupil_id.in_(chunk),
                _YEARS_T.c.year_start >= first,
                _YEARS_T.c.year_start <= last,
            )
        ):
            out[pupil_id]["years"][year] = bytes(codes)
        for pupil_id, day, session_, code, minutes in session.execute(
            select(
                _MARKS_T.c.pupil_id,
                _MARKS_T.c.date,
                _MARKS_T.c.session,
                _MARKS_T.c.code,
                _MARKS_T.c.minutes_late,
            )
            .where(
                _MARKS_T.c.pupil_id.in_(chunk),
                _MARKS_T.c.date >= start,
                _MARKS_T.c.date <= end,
                _MARKS_T.c.code.in_((*LATE_CODES, ILLNESS)),
            )
            .order_by(_MARKS_T.c.pupil_id, _MARKS_T.c.date, _MARKS_T.c.session)
        ):
            out[pupil_id]["coded"][2].append((day, session_, code, minutes))
        for pupil_id, template, sent_on, addressee in session.execute(
            select(Letter.pupil_id, Letter.template, Letter.sent_on, Letter.addressee)
            .where(Letter.pupil_id.in_(chunk), Letter.status == "sent", Letter.sent_on <= end)
            .order_by(Letter.pupil_id, Letter.sent_on, Letter.id)
        ):
            out[pupil_id]["sent"][1].append((template, sent_on, addressee))
        for case in session.execute(
            select(Case.id, Case.pupil_id, Case.kind, Case.parent_case_id, Case.details)
            .where(
                Case.pupil_id.in_(chunk),
                Case.kind.in_((leave_request.KIND, penalty_notice.KIND)),
            )
            .order_by(Case.id)
        ):
            out[case.pupil_id]["cases"].append(case)
        for row in session.execute(
            select(_EVIDENCE_T, Case.pupil_id)
            .join(Case, Case.id == _EVIDENCE_T.c.case_id)
            .where(Case.pupil_id.in_(chunk))
            .order_by(_EVIDENCE_T.c.id)
        ):
            out[row.pupil_id]["evidence"].setdefault(row.case_id, []).append(row)
    return out


def _chunks(ids: list[int], size: int = 2000) -> Iterator[list[int]]:
    """Ids in lists short enough for one statement's parameters on every database."""
    for at in range(0, len(ids), size):
        yield ids[at : at + size]


def _contact(c: Contact) -> ContactDetails:
    return ContactDetails(
        c.name, c.relationship, c.parental_responsibility, c.lives_with_pupil, c.address, c.id
    )


def contacts_of(session: Session, pupil_id: int) -> list[ContactDetails]:
    rows = session.execute(
        select(Contact).where(Contact.pupil_id == pupil_id).order_by(Contact.priority, Contact.id)
    ).scalars()
    return [_contact(c) for c in rows]


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
    register = sources.register(start, end)
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
    ahead = sources._read.get("sent")
    rows: Iterable[Any]
    if ahead is not None and ahead[0] >= sources.on:
        rows = [row for row in ahead[1] if row[1] <= sources.on]
    else:
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


# A policy's facts as letters quote them, by the policy (kept with it: an id alone may be reused).
_POLICY_FACTS: dict[int, tuple[Policy, dict[str, Any]]] = {}


def _policy_facts(school: SchoolContext) -> dict[str, Any]:
    """`_policy` made plain, once per policy: a sweep drafts thousands of letters, each
    quoting every rule and section. Shared by those letters' facts, which are never changed
    in place."""
    policy = school.policy
    found = _POLICY_FACTS.get(id(policy))
    if found is not None and found[0] is policy:
        return found[1]
    if len(_POLICY_FACTS) >= 64:
        _POLICY_FACTS.clear()
    facts = _plain(_policy(school))
    _POLICY_FACTS[id(policy)] = (policy, facts)
    return facts


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


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """Dates as ISO strings, so that the facts are JSON and stay as they were drafted."""
    kind = type(value)
    if kind in _SCALARS:  # most of a letter's facts: returned at once
        return value
    if kind is dict or isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if kind is list or isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


# Facts only some letters read, each from the sources; a letter's `needs` say which must be
# there. Each returns None when the case has no such thing.
Extra = Callable[[Sources], dict[str, Any] | None]


_MARKS_T = SessionMark.__table__
_YEARS_T = RegisterYear.__table__
_EVIDENCE_T = CaseEvidence.__table__
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
_AHEAD = frozenset((*LATE_CODES, ILLNESS))  # the codes `read_ahead` reads


def _coded_marks(
    sources: Sources, start: date, end: date, codes: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The pupil's marks with these codes on school days start..end, oldest first."""
    rows: Iterable[Any]
    ahead = sources._read.get("coded")
    if ahead is not None and ahead[0] <= start and end <= ahead[1] and set(codes) <= _AHEAD:
        rows = [row for row in ahead[2] if start <= row[0] <= end and row[2] in codes]
    else:
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
        "policy": None,  # the same for every letter of the school: made plain once, below
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
    plain = _plain(facts)
    plain["policy"] = _policy_facts(sources.school)
    return plain


def case_evidence(
    session: Session, case: Case | None, read: dict[Any, Any] | None = None
) -> tuple[dict[str, Any], ...]:
    """The case's current evidence as letters quote it (from `read_ahead`'s, when given)."""
    if case is None:
        return ()
    rows = read["evidence"].get(case.id, []) if read and "evidence" in read else None
    return tuple(
        {"id": e.id, "kind": e.kind, "recorded_on": e.recorded_on, "details": dict(e.details)}
        for e in current_evidence(session, case.id, rows)
    )


# -- the letters about a case's decisions and the letters to the LA (issue 9) ----------------

SUPPORT_WORDS = {
    "early_help": "early help",
    "attendance_contract": "an attendance contract",
    "mentoring": "mentoring",
    "health": "health support",
    "transport": "help with transport",
    "other": "other support",
    "multi_agency": "a multi-agency team",
    "social_care": "children's social care",
}
PLAN_WORDS = {
    "attendance_plan": "Attendance plan",
    "attendance_contract": "Attendance contract",
    "education_supervision_order": "Education supervision order",
}
MEETING_WORDS = {
    "school_support": "Support meeting",
    "plan_review": "Attendance plan review meeting",
    "formal_support": "Formal support meeting",
    "attendance_panel": "Attendance panel",
}
OUTCOME_WORDS = {
    "reached": "spoke to them",
    "no_answer": "no answer",
    "message_left": "message left",
    "wrong_details": "the contact details were wrong",
    "child_seen": "the child was seen",
    "parent_seen": "a parent was seen, not the child",
    "moved_away": "the family appear to have moved away",
}
ENQUIRY_WORDS = {
    "sibling_school": "A sibling's school",
    "la_cme_team": "The LA children missing education team",
    "other_la": "Another local authority",
    "social_care": "Children's social care",
    "police": "The police",
    "other": "Other",
}
NO_NOTICE_WORDS = {
    "term_time_holiday": "the absence is a term-time holiday that was not authorised",
    "support_would_not_help": "support would not help to improve the pupil's attendance",
    "notice_in_last_12_months": "a notice to improve was issued to this parent in the last "
    "12 months",
}


def _lines(text: Any) -> list[str]:
    """A text field of several items (targets, actions, terms): one a line, or split by ";"."""
    return [part.strip() for part in re.split(r"[\n;]", str(text or "")) if part.strip()]


def _deadline_due(sources: Sources, name: str) -> date | None:
    """The day the case's latest deadline called `name` fell or falls due."""
    if sources.case is None:
        return None
    return sources.session.scalars(
        select(CaseDeadline.due_on)
        .where(CaseDeadline.case_id == sources.case.id, CaseDeadline.name == name)
        .order_by(CaseDeadline.id.desc())
    ).first()


_LOOKBACKS: dict[tuple[int, date], tuple[SchoolContext, date]] = {}


def _lookback_start(school: SchoolContext, as_of: date) -> date:
    """`lookback_start` of the school's policy, once per school and day: the same for each of
    a sweep's letters."""
    found = _LOOKBACKS.get((id(school), as_of))
    if found is not None and found[0] is school:
        return found[1]
    if len(_LOOKBACKS) >= 256:
        _LOOKBACKS.clear()
    start = lookback_start(school.policy, school.calendar, as_of)
    _LOOKBACKS[(id(school), as_of)] = (school, start)
    return start


def _offence(sources: Sources, as_of: date) -> dict[str, Any] | None:
    """The unauthorised sessions the national penalty threshold counts in its window up to
    `as_of`: the offence a notice to improve or a penalty notice is for, day by day."""
    policy, calendar = sources.school.policy, sources.school.calendar
    spec = policy.rules.get("penalty_threshold")
    as_of = min(as_of, calendar.last_day)
    if spec is None or as_of < calendar.first_day:
        return None
    register = sources.register(_lookback_start(sources.school, as_of), as_of)
    lo, hi, since = window_columns(register, as_of, spec.params)
    marks = [
        m
        for m in register.marks_where(0, code_table(spec.params), lo, hi)
        if BY_CODE[m.code].unauthorised  # an authorised absence is never an offence
    ]
    days: dict[date, dict[str, Any]] = {}
    for mark in marks:
        day = days.setdefault(
            mark.date, {"date": mark.date, "weekday": f"{mark.date:%A}", "AM": "", "PM": ""}
        )
        day[mark.session.value] = mark.code
    params = spec.params
    threshold = int(params["at_least"]) if "at_least" in params else int(params["more_than"]) + 1
    return {
        "as_of": as_of,
        "from": since,
        "window": window_text(params, since),
        "threshold": threshold,
        "count": len(marks),
        "met": len(marks) >= threshold,
        "codes": sorted({m.code for m in marks}),
        "days": list(days.values()),
    }


def _support(sources: Sources) -> list[dict[str, Any]]:
    """The support the case shows was offered, oldest first: meetings, plans and contracts,
    offers and referrals, each as a line of a letter."""
    out: list[dict[str, Any]] = []
    for item in sources.evidence:
        kind, details, on = item["kind"], item["details"], item["recorded_on"]
        if kind == "meeting":
            what = f"{MEETING_WORDS.get(details['purpose'], 'Meeting')} with {details['attendees']}"
            out.append({"on": on, "what": what, "outcome": details.get("outcome", "")})
        elif kind == "signed_plan":
            what = f"{PLAN_WORDS.get(details['plan'], 'Plan')} signed"
            review = f"review by {long_date(date.fromisoformat(details['review_date']))}"
            out.append({"on": details.get("signed_on", on), "what": what, "outcome": review})
        elif kind == "attendance_contract":
            what = f"Attendance contract signed by {details['parties']}"
            out.append({"on": details["signed_on"], "what": what, "outcome": ""})
        elif kind == "support_offered":
            what = SUPPORT_WORDS.get(details["support"], "support").capitalize() + " offered"
            taken = "accepted" if details.get("accepted") else "not taken up"
            summary = f": {details['summary']}" if details.get("summary") else ""
            out.append({"on": on, "what": what, "outcome": taken + summary})
        elif kind == "support_referral":
            what = f"Referral to {SUPPORT_WORDS.get(details['referred_to'], 'another service')}"
            out.append({"on": details["referred_on"], "what": what,
                        "outcome": details.get("outcome", "")})  # fmt: skip
    return sorted(out, key=lambda s: str(s["on"]))


def _parents(sources: Sources) -> list[dict[str, Any]]:
    """The pupil's parents in the sense of s576: each with parental responsibility and each
    carer the pupil lives with, with their address."""
    return [
        {
            "name": c.name,
            "relationship": c.relationship,
            "parental_responsibility": c.parental_responsibility,
            "lives_with_pupil": c.lives_with_pupil,
            "address": ", ".join(address_lines(c.address)),
        }
        for c in sources.contacts()
        if c.parental_responsibility or c.lives_with_pupil
    ]


def _details(sources: Sources, kind: str) -> list[dict[str, Any]]:
    """Evidence of one kind as a letter lists it: its details and the day it was recorded."""
    return [{"on": e["recorded_on"], **e["details"]} for e in sources.of_kind(kind)]


def plan(sources: Sources) -> dict[str, Any] | None:
    """The attendance plan signed with the family: targets, each side's actions, review."""
    plans = [e for e in sources.of_kind("signed_plan") if e["details"]["plan"] == "attendance_plan"]
    if not plans:
        return None
    details = plans[-1]["details"]
    return {
        "signed_on": details["signed_on"],
        "review_date": details["review_date"],
        "summary": details.get("summary", ""),
        "targets": _lines(details.get("target")),
        "school_actions": _lines(details.get("school_actions")),
        "family_actions": _lines(details.get("family_actions")),
        "pupil_actions": _lines(details.get("pupil_actions")),
    }


def contract(sources: Sources) -> dict[str, Any] | None:
    """The attendance contract: who signed it, what each side agrees to, and its review (the
    deadline the case set, else the policy's review window from the signing)."""
    latest = sources.latest("attendance_contract")
    if latest is None:
        return None
    details = latest["details"]
    signed = date.fromisoformat(details["signed_on"])
    review = _deadline_due(sources, "attendance_contract_review")
    weeks = sources.school.policy.sections.get("attendance_contract", {}).get(
        "review_max_school_weeks"
    )
    if review is None and weeks is not None:
        review = add_period(sources.school.calendar, signed, int(weeks), Unit.SCHOOL_WEEKS)
    return {
        "signed_on": signed,
        "parties": details["parties"],
        "summary": details.get("summary", ""),
        "school_agrees": _lines(details.get("school_agrees")),
        "family_agrees": _lines(details.get("family_agrees")),
        "review_weeks": weeks,
        "review_date": review,
    }


def notice(sources: Sources) -> dict[str, Any] | None:
    """The notice to improve issued on the concern: the offence it pins (the sessions of the
    penalty window up to the offence's day), its improvement period, the support offered,
    and SLT's judgement once the period is over."""
    case = sources.case
    issued_text = case.details.get("notice_to_improve_issued") if case else None
    if case is None or not issued_text:
        return None
    issued = date.fromisoformat(issued_text)
    offence_on = date.fromisoformat(case.details.get("offence_on") or issued_text)
    weeks = sources.school.policy.sections.get("notice_to_improve", {}).get("period_school_weeks")
    ends = _deadline_due(sources, "notice_period_end")
    if ends is None and weeks is not None:
        ends = add_period(sources.school.calendar, issued, int(weeks), Unit.SCHOOL_WEEKS)
    judgements = [
        {"on": e["recorded_on"], **e["details"]}
        for e in sources.of_kind("improvement_judgement")
        if e["recorded_on"] >= issued
    ]
    return {
        "issued_on": issued,
        "period_school_weeks": weeks,
        "period_ends": ends,
        "offence": _offence(sources, offence_on),
        "support": _support(sources),
        "judgement": judgements[-1] if judgements else None,
    }


def _leave_request(sources: Sources, details: dict[str, Any]) -> dict[str, Any]:
    calendar, on = sources.school.calendar, sources.on
    start, end = date.fromisoformat(details["start"]), date.fromisoformat(details["end"])
    requested = leave_request.requested_days(details, calendar)
    granted = leave_request.granted_days(details, calendar)
    if date.fromisoformat(details["requested_on"]) >= start:
        decision: str | None = "not_requested"  # recorded once the leave had begun
    elif granted is None:
        decision = None
    elif len(granted) == len(requested):
        decision = "granted"
    else:
        decision = "part_granted" if granted else "declined"
    not_granted = [day for day in requested if day not in (granted or ())]
    return {
        "start": start,
        "end": end,
        "requested_on": details["requested_on"],
        "applicant": details.get("applicant", ""),
        "reason": details.get("reason", ""),
        "decision": decision,
        "decided_on": details.get("decided_on"),
        "days_requested": requested,
        "days_granted": granted or [],
        "days_not_granted": not_granted,
        "taken": _days_away(sources, [d for d in not_granted if d <= on]),
    }


def _days_away(sources: Sources, days: list[date]) -> list[dict[str, Any]]:
    """The days of `days` the register shows unauthorised absence on, with their codes."""
    if not days:
        return []
    register = sources.register(days[0], days[-1])
    codes: dict[date, list[str]] = {}
    for mark in register.marks_where(0, UNAUTHORISED):
        codes.setdefault(mark.date, []).append(mark.code)
    return [
        {"date": day, "codes": codes[day], "sessions": len(codes[day])}
        for day in days
        if day in codes
    ]


def _leave_without_request(sources: Sources) -> dict[str, Any] | None:
    """Term-time holiday on a concern (sessions coded G) that no leave request covers."""
    case = sources.case
    assert case is not None
    offence_on = date.fromisoformat(case.details.get("offence_on") or sources.on.isoformat())
    offence = _offence(sources, min(offence_on, sources.on))
    if offence is None:
        return None
    covered: set[date] = set()
    requests: Iterable[Any]
    if "cases" in sources._read:
        requests = [c.details for c in sources._read["cases"] if c.kind == leave_request.KIND]
    else:
        requests = sources.session.scalars(
            select(Case.details).where(
                Case.pupil_id == sources.pupil.id, Case.kind == leave_request.KIND
            )
        )
    for details in requests:
        covered |= set(leave_request.requested_days(details, sources.school.calendar))
    days = [
        day["date"]
        for day in offence["days"]
        if "G" in (day["AM"], day["PM"]) and day["date"] not in covered
    ]
    if not days:
        return None
    return {
        "start": days[0],
        "end": days[-1],
        "requested_on": None,
        "applicant": "",
        "reason": "",
        "decision": "not_requested",
        "decided_on": None,
        "days_requested": [],
        "days_granted": [],
        "days_not_granted": days,
        "taken": _days_away(sources, days),
    }


def leave(sources: Sources) -> dict[str, Any] | None:
    """A leave request and the head's decision on it; or leave not applied for: a request
    recorded after the leave began, or a term-time holiday (G) on a concern with no request.
    With the day by which the family may give further reasons (school days from the decision,
    or from the letter when there was none to decide)."""
    case = sources.case
    if case is None:
        return None
    if case.kind == leave_request.KIND:
        found: dict[str, Any] | None = _leave_request(sources, case.details)
    elif case.details.get("holiday"):  # a concern the sweep or a leave request flagged
        found = _leave_without_request(sources)
    else:
        return None
    if found is None:
        return None
    days = sources.school.policy.sections.get("leave", {}).get("further_reasons_school_days")
    if days is not None:
        after = date.fromisoformat(found["decided_on"]) if found["decided_on"] else sources.on
        found["further_reasons_days"] = int(days)
        try:
            found["further_reasons_by"] = sources.school.calendar.nth_school_day_after(
                after, int(days)
            )
        except ValueError:  # the calendar ends first: no day to name, so the letter refuses
            found["further_reasons_by"] = None
    found["sessions_taken"] = sum(day["sessions"] for day in found["taken"])
    if found["days_granted"]:
        try:
            found["back_on"] = sources.school.calendar.nth_school_day_after(
                found["days_granted"][-1], 1
            )
        except (IndexError, ValueError):  # the calendar ends before: no return day to name
            found["back_on"] = None
    return found


def request(sources: Sources) -> dict[str, Any] | None:
    """A penalty notice request to the LA: the offence (pinned by the notice to improve, or
    as of the letter), the parents it is for, the notice and its outcome or SLT's reason none
    was appropriate, SLT's approval and the support offered."""
    case = sources.case
    if case is None or case.kind != attendance_concern.KIND:
        return None
    offence_on = case.details.get("offence_on")
    offence = _offence(sources, date.fromisoformat(offence_on) if offence_on else sources.on)
    notices: Iterable[Any]
    if "cases" in sources._read:
        notices = [
            c.details
            for c in sources._read["cases"]
            if c.parent_case_id == case.id and c.kind == penalty_notice.KIND
        ]
    else:
        notices = sources.session.scalars(
            select(Case.details)
            .where(Case.parent_case_id == case.id, Case.kind == penalty_notice.KIND)
            .order_by(Case.id)
        )
    # The parents the request opened a notice for; before it is made, every parent (s576).
    named = [str(d["parent"]) for d in notices if d.get("parent")]
    parents = _parents(sources)
    if named:
        parents = [p for p in parents if p["name"] in named] or [
            {"name": n, "relationship": "", "address": ""} for n in named
        ]
    approvals = [
        {"on": e["recorded_on"], **e["details"]}
        for e in sources.of_kind("slt_approval")
        if e["details"].get("step") == "request_penalty_notice"
        and e["details"].get("decision") == "approved"
    ]
    no_notice = sources.latest("no_notice_to_improve")
    return {
        "offence": offence,
        "parents": parents,
        "notice": notice(sources),
        "no_notice": (
            {
                "on": no_notice["recorded_on"],
                "reason": NO_NOTICE_WORDS.get(no_notice["details"]["reason"], ""),
                "explanation": no_notice["details"]["explanation"],
            }
            if no_notice
            else None
        ),
        "approval": approvals[-1] if approvals else None,
        "support": _support(sources),
        "holiday": bool(case.details.get("holiday")),
    }


def _run_of_absence(sources: Sources, first: date) -> dict[str, Any]:
    """School days from the first day of absence to the letter's date, and how many of them
    in a row the pupil was away (the run stops at a day with any attendance)."""
    on = min(sources.on, sources.school.calendar.last_day)
    register = sources.register(first, on)
    attending = {m.date for m in register.marks_where(0, ATTENDING)}
    run = 0
    last = None
    for day in register.days:
        if day < first:
            continue
        if day in attending:
            break
        run, last = run + 1, day
    return {"school_days": run, "to": last}


def cme(sources: Sources) -> dict[str, Any] | None:
    """A missing education referral: where the child lives and who has parental
    responsibility, the run of unexplained absence from its first day, and the reasonable
    enquiries made (contact attempts, home visits, the welfare check, other enquiries)."""
    case = sources.case
    if case is None or not case.details.get(missing_education.FIRST_ABSENT):
        return None
    first = date.fromisoformat(case.details[missing_education.FIRST_ABSENT])
    parents = _parents(sources)
    home = next((p["address"] for p in parents if p["lives_with_pupil"] and p["address"]), "")
    attempts = [
        {**a, "outcome_words": OUTCOME_WORDS.get(a["outcome"], a["outcome"])}
        for a in _details(sources, "contact_attempt")
    ]
    visits = [
        {**v, "outcome_words": OUTCOME_WORDS.get(v["outcome"], v["outcome"])}
        for v in _details(sources, "home_visit")
    ]
    enquiries = [
        {**e, "with_words": ENQUIRY_WORDS.get(e["with"], e["with"])}
        for e in _details(sources, "enquiry")
    ]
    return {
        "first_absent_on": first,
        "run": _run_of_absence(sources, first),
        "home_address": home,
        "parents": parents,
        "contact_attempts": attempts,
        "home_visits": visits,
        "welfare_checks": _details(sources, "welfare_check"),
        "enquiries": enquiries,
        "referred_on": case.details.get("referred_on"),
        "safeguarding": bool(case.details.get("safeguarding")),
        "social_worker": bool(sources.pupil.social_worker),
    }


def referral(sources: Sources) -> dict[str, Any] | None:
    """A formal referral to the LA: the concern in brief (where it stands, the support given,
    the plans and their reviews, the letters sent, home visits, agencies involved) and who has
    parental responsibility."""
    case = sources.case
    if case is None or case.kind != attendance_concern.KIND:
        return None
    titles = {spec.id: spec.title for spec in LETTERS.values()}
    agencies = sources.latest("agencies")
    return {
        "opened_on": case.opened_on,
        "support": _support(sources),
        "letters": [
            {
                "to": "",  # a letter recorded by hand may not say to whom it went
                **x,
                "title": titles.get(x["letter"], x["letter"].replace("_", " ").capitalize()),
            }
            for x in _details(sources, "letter_sent")
        ],
        "home_visits": [
            {**v, "outcome_words": OUTCOME_WORDS.get(v["outcome"], v["outcome"])}
            for v in _details(sources, "home_visit")
        ],
        "agencies": agencies["details"]["agencies"] if agencies else None,
        "parents": _parents(sources),
    }


EXTRAS.update(
    plan=plan,
    contract=contract,
    notice=notice,
    leave=leave,
    request=request,
    cme=cme,
    referral=referral,
)
