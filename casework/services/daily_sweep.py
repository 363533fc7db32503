"""The daily sweep's case work: findings open or join cases, deadlines come due or fire."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.drafting.catalogue import UnknownLetterError, letter_spec
from casework.machines import LIFECYCLES
from casework.machines.lifecycle import TriggerError, cool_off_end
from casework.policy.rules import Finding
from casework.services import cases, sweep_pool
from casework.services.access.users import SYSTEM_USERNAME, actor_in, system_actor
from casework.services.cases.batch import CaseBatch, CaseWork
from casework.services.cases.writes import off_roll, record_evidence
from casework.services.errors import LetterError
from casework.services.letters.drafts import LetterIds, draft_in_session
from casework.services.letters.facts import read_ahead
from casework.services.reach import Actor, visible_to
from casework.services.register.schools import SchoolContext, school_context
from casework.services.sweep import SweepResult, due_schools, sweep
from casework.store.database import Database
from casework.store.models import (
    Case,
    CaseDeadline,
    CaseEvidence,
    Letter,
    Pupil,
    PupilFinding,
    School,
    SweepRun,
)
from casework.store.projection import year_start


@dataclass(slots=True)
class DailySweepResult:
    """What one daily sweep found and did."""

    findings: SweepResult
    cases_opened: list[dict[str, Any]] = field(default_factory=list)
    evidence_added: list[dict[str, Any]] = field(default_factory=list)
    deadlines_due: list[dict[str, Any]] = field(default_factory=list)
    deadlines_overdue: list[dict[str, Any]] = field(default_factory=list)
    transitions_fired: list[dict[str, Any]] = field(default_factory=list)
    notices_recorded: list[dict[str, Any]] = field(default_factory=list)  # opening no case
    letters_drafted: list[dict[str, Any]] = field(default_factory=list)  # for a person to send
    letters_refused: list[dict[str, Any]] = field(default_factory=list)  # and what they lack

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.findings.as_dict(),
            "cases_opened": self.cases_opened,
            "evidence_added": self.evidence_added,
            "deadlines_due": self.deadlines_due,
            "deadlines_overdue": self.deadlines_overdue,
            "transitions_fired": self.transitions_fired,
            "notices_recorded": self.notices_recorded,
            "letters_drafted": self.letters_drafted,
            "letters_refused": self.letters_refused,
        }


@dataclass(frozen=True, slots=True)
class _ToDraft:
    """A new occurrence of a rule that names a letter: drafted once the findings are stored."""

    school: School
    pupil_id: int
    case: CaseWork | None  # its id is known once the batch is written
    finding: Finding
    letter: str


def apply_findings(
    db: Database, result: SweepResult, today: date, out: DailySweepResult | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Open a case per pupil and kind for new findings; add each occurrence of a rule's
    finding to the open case once (see `_new_occurrence`). A rule that opens no case keeps
    each occurrence as a pupil finding instead, for the worklist. Each new occurrence of a
    rule that names a letter drafts it (into `out`'s letters, drafted or refused).

    What the swept schools' pupils and cases already hold is read once, as plain rows; the
    cases opened and the findings recorded are written together at the end (CaseBatch)."""
    to_draft: list[_ToDraft] = []
    opened: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    notice_rows: list[dict[str, Any]] = []
    contexts: dict[str, SchoolContext] = {}
    batch = CaseBatch()
    # The case each entry of `opened` and `added` names, once the batch has written it.
    named: list[tuple[dict[str, Any], CaseWork]] = []
    with db.transaction() as session:
        schools = {s.urn: s for s in session.scalars(select(School))}
        swept = {schools[urn].id for urn, _ in result.findings}
        # Before anything is read: what is already on the cases is read after another sweep
        # of these schools has committed, so that two sweeps never record a finding twice.
        one_sweep_at_a_time(session, swept)
        who = actor_in(session, SYSTEM_USERNAME)
        # Looked up once per sweep rather than once per finding: pupils by school and UPN,
        # open cases by pupil and kind, and the rules already on each case as findings.
        pupils = {
            (p.school_id, p.upn): p
            for p in session.execute(
                select(Pupil.id, Pupil.school_id, Pupil.upn, Pupil.leaving_date).where(
                    Pupil.school_id.in_(swept)
                )
            )
        }
        of_swept = select(Pupil.id).where(Pupil.school_id.in_(swept))
        open_cases = {
            (c.pupil_id, c.kind): c
            for c in session.execute(
                select(Case.id, Case.pupil_id, Case.kind, Case.details)
                .where(Case.closed_on.is_(None), Case.pupil_id.in_(of_swept))
                .order_by(Case.id.desc())
            )
        }
        # Per case, each rule's latest finding as of when: only those two, extracted by the
        # database, not the marks it cites.
        on_case: dict[int, dict[str, date]] = {}
        for case_id, rule, seen in session.execute(
            select(
                CaseEvidence.case_id,
                CaseEvidence.details["rule"].as_string(),
                CaseEvidence.details["as_of"].as_string(),
            )
            .join(Case, Case.id == CaseEvidence.case_id)
            .where(CaseEvidence.kind == "finding", Case.pupil_id.in_(of_swept))
        ):
            rules = on_case.setdefault(case_id, {})
            day = date.fromisoformat(seen)
            rules[rule] = max(day, rules.get(rule, day))
        kept = _kept_notices(session, swept)
        closed_cases = _last_closed(session, swept)
        work_of: dict[tuple[int, str], CaseWork] = {}
        rules_of: dict[tuple[int, str], dict[str, date]] = {}  # by the same key as work_of
        for urn, finding in result.findings:
            school = schools[urn]
            if urn not in contexts:
                contexts[urn] = school_context(school)
            context = contexts[urn]
            spec = context.policy.rules[finding.rule]
            pupil = pupils[(school.id, finding.pupil)]
            if off_roll(pupil, today):
                continue  # off roll from the leaving date (deleted, say): no case opens or grows
            if spec.opens == "none":
                if _new_occurrence(finding, kept.get((pupil.id, finding.rule))):
                    kept[(pupil.id, finding.rule)] = result.as_of
                    notice_rows.append(_notice_row(school.id, pupil.id, finding, result.as_of))
                    notices.append(
                        {"upn": pupil.upn, "rule": finding.rule, "began": notice_rows[-1]["began"]}
                    )
                    if spec.letter:
                        to_draft.append(_ToDraft(school, pupil.id, None, finding, spec.letter))
                continue
            key = (pupil.id, spec.opens)
            work = work_of.get(key)
            if work is None and key in open_cases:
                row = open_cases[key]
                work = work_of[key] = batch.existing(row.id, row.details or {})
                rules_of[key] = on_case.get(row.id, {})
            machine = LIFECYCLES[spec.opens]
            closed = closed_cases.get(key) if work is None else None
            if closed is not None and _cooling_off(closed, finding.rule, on_case, context, today):
                # The same finding, on a concern closed as improved and sustained, within its
                # cool-off: recorded there for the lead to see, and no new concern opens. No
                # letter is drafted: the lead decides whether the concern starts again.
                rules_on_closed = on_case[closed.id]
                if not _new_occurrence(finding, rules_on_closed.get(finding.rule)):
                    continue
                rules_on_closed[finding.rule] = result.as_of
                ends = cool_off_end(context.policy, context.calendar, closed.closed_on or today)
                closed_case = session.get_one(Case, closed.id, with_for_update=True)
                record_evidence(
                    session,
                    closed_case,
                    who,
                    today,
                    "finding",
                    {
                        **_finding_details(finding, result.as_of),
                        "in_cool_off": True,
                        "cool_off_ends": ends,
                    },
                )
                added.append(
                    {
                        "case": closed.id,
                        "upn": pupil.upn,
                        "rule": finding.rule,
                        "in_cool_off": True,
                        "cool_off_ends": ends.isoformat() if ends else None,
                    }
                )
                continue
            learned = machine.from_finding(finding) if machine.from_finding else None
            details = learned.details if learned else {}
            if learned and learned.earliest and work is not None:
                details = {
                    k: v for k, v in details.items() if k not in work.details or v < work.details[k]
                }
            if work is None:
                work = work_of[key] = batch.open(
                    school_id=school.id,
                    pupil_id=pupil.id,
                    kind=spec.opens,
                    details=details,
                    note=f"opened by the sweep: {finding.rule}",
                )
                rules_of[key] = {}
                opened.append(
                    {"case": None, "upn": pupil.upn, "kind": spec.opens, "rule": finding.rule}
                )
                named.append((opened[-1], work))
            elif learned and any(work.details.get(k) != v for k, v in details.items()):
                batch.change_details(work, details, learned.note)
            rules_on_case = rules_of[key]
            if not _new_occurrence(finding, rules_on_case.get(finding.rule)):
                continue
            rules_on_case[finding.rule] = result.as_of
            batch.record(work, "finding", _finding_details(finding, result.as_of))
            added.append({"case": None, "upn": pupil.upn, "rule": finding.rule})
            named.append((added[-1], work))
            if spec.letter:
                to_draft.append(_ToDraft(school, pupil.id, work, finding, spec.letter))
        batch.write(session, who, today)
        for entry, work in named:
            entry["case"] = work.case_id
        if notice_rows:
            session.execute(_insert_new(session), notice_rows)
        if out is not None:
            _draft_letters(session, to_draft, who, today, out)
    for notice in notices:
        notice["began"] = notice["began"].isoformat()
    return opened, added, notices


def _finding_details(finding: Finding, as_of: date) -> dict[str, Any]:
    """A finding as the evidence on a case holds it."""
    return {
        "rule": finding.rule,
        "reason": finding.reason,
        "staff_reason": finding.staff_reason or finding.reason,
        "as_of": as_of,
        "began": finding.began,
        "marks": [m.as_dict() for m in finding.evidence],
    }


def _last_closed(session: Session, school_ids: set[int]) -> dict[tuple[int, str], Any]:
    """Per pupil and kind, the case closed last (its id, kind, details and closing day), of
    the kinds that cool off after a close."""
    kinds = [kind for kind, machine in LIFECYCLES.items() if machine.cool_off_after]
    if not kinds:
        return {}
    found: dict[tuple[int, str], Any] = {}
    for case in session.execute(
        select(Case.id, Case.pupil_id, Case.kind, Case.details, Case.closed_on)
        .where(Case.school_id.in_(school_ids), Case.kind.in_(kinds), Case.closed_on.is_not(None))
        .order_by(Case.closed_on, Case.id)
    ):
        found[(case.pupil_id, case.kind)] = case  # a later close replaces an earlier one
    return found


def _cooling_off(
    case: Any,  # a closed case's row: id, kind, details, closed_on
    rule: str,
    on_case: dict[int, dict[str, date]],
    context: SchoolContext,
    today: date,
) -> bool:
    """Whether a finding of `rule` goes on this closed case rather than opening a new one: it
    closed with an outcome its kind cools off after, `rule` is already on it, and today is
    within the policy's cool-off from the day it closed."""
    outcome = case.details.get("close_outcome")
    if outcome not in LIFECYCLES[case.kind].cool_off_after or case.closed_on is None:
        return False
    if rule not in on_case.get(case.id, {}) or case.closed_on > today:
        return False
    if context.policy.cool_off_school_weeks is None:
        return False
    ends = cool_off_end(context.policy, context.calendar, case.closed_on)
    return ends is None or today < ends


# The first key of the advisory locks that serialise sweeps of a school (the second is the
# school's id): any number no other lock of ours uses.
SWEEP_LOCK = 7_140_001


def one_sweep_at_a_time(session: Session, school_ids: set[int]) -> None:
    """Wait for any other sweep of these schools to finish, and keep them until this one
    commits. PostgreSQL: an advisory lock per school, in one order so that two sweeps never
    deadlock. SQLite: the database's write lock, taken now rather than at the first write."""
    if session.get_bind().dialect.name == "postgresql":
        for school_id in sorted(school_ids):
            session.execute(select(func.pg_advisory_xact_lock(SWEEP_LOCK, school_id)))
    else:
        session.execute(text("UPDATE school SET id = id WHERE 0"))


def _draft_letters(
    session: Session, to_draft: list[_ToDraft], who: Actor, today: date, out: DailySweepResult
) -> None:
    """Draft each new occurrence's letter, unless the pupil already has that letter drafted
    or sent since the occurrence began (two rules may name the same letter). A letter that
    cannot be drafted (a parent's address missing) is reported with what it lacks, and the
    sweep goes on.

    What the letters read per pupil (the pupils, their cases and findings, the letters they
    have, their contacts and registers) is read for all of them at once first."""
    if not to_draft:
        return
    pupil_ids = sorted({item.pupil_id for item in to_draft})
    latest = _latest_letters(session, pupil_ids, {item.letter for item in to_draft})
    pupils = {p.id: p for p in _in_chunks(session, Pupil, Pupil.id, pupil_ids)}
    case_ids = sorted(
        {item.case.case_id for item in to_draft if item.case and item.case.case_id is not None}
    )
    cases = {c.id: c for c in _in_chunks(session, Case, Case.id, case_ids)}
    without_case = sorted({item.pupil_id for item in to_draft if item.case is None})
    found_rows = {
        (f.pupil_id, f.rule, f.began): f
        for f in _in_chunks(session, PupilFinding, PupilFinding.pupil_id, without_case)
    }
    # A letter reads back to the first day of last school year at most (a penalty window
    # that starts before this September); what it reads outside that, it reads itself.
    reads = read_ahead(session, pupil_ids, date(year_start(today).year - 1, 9, 1), today)
    next_id = LetterIds(session)  # the letters are written together, when the sweep commits
    for item in to_draft:
        began = item.finding.began or today
        drafted_on = latest.get((item.pupil_id, item.letter))
        if drafted_on is not None and drafted_on >= began:
            continue
        pupil = pupils[item.pupil_id]
        case = cases[item.case.case_id] if item.case and item.case.case_id is not None else None
        entry: dict[str, Any] = {
            "upn": pupil.upn,
            "rule": item.finding.rule,
            "letter": item.letter,
        }
        if case is not None:
            entry["case"] = case.id
        finding_row = (
            found_rows.get((item.pupil_id, item.finding.rule, began)) if case is None else None
        )
        try:  # a refusal leaves no half-drafted letters behind (`draft_in_session`)
            letters = draft_in_session(
                session,
                school=school_context(item.school),
                pupil=pupil,
                case=case,
                finding=finding_row,
                spec=letter_spec(item.letter),
                who=who,
                today=today,
                rule=item.finding.rule,
                read=reads[item.pupil_id],
                next_id=next_id,
            )
        except (LetterError, UnknownLetterError) as error:
            out.letters_refused.append({**entry, "reason": str(error)})
            continue
        latest[(item.pupil_id, item.letter)] = today
        out.letters_drafted.append({**entry, "letters": [letter.id for letter in letters]})


def _latest_letters(
    session: Session, pupil_ids: list[int], templates: set[str]
) -> dict[tuple[int, str], date]:
    """Per pupil and letter, the date of the latest such letter drafted or sent."""
    found: dict[tuple[int, str], date] = {}
    for at in range(0, len(pupil_ids), _CHUNK):
        for pupil_id, template, latest in session.execute(
            select(Letter.pupil_id, Letter.template, func.max(Letter.letter_date))
            .where(
                Letter.pupil_id.in_(pupil_ids[at : at + _CHUNK]),
                Letter.template.in_(sorted(templates)),
            )
            .group_by(Letter.pupil_id, Letter.template)
        ):
            found[(pupil_id, template)] = latest
    return found


_CHUNK = 2000  # ids in one statement: within every database's limit on parameters


def _in_chunks(session: Session, model: Any, column: Any, ids: list[int]) -> list[Any]:
    """The rows of `model` whose `column` is one of `ids`, in statements of a few thousand."""
    return [
        row
        for at in range(0, len(ids), _CHUNK)
        for row in session.scalars(select(model).where(column.in_(ids[at : at + _CHUNK])))
    ]


def _kept_notices(session: Session, school_ids: set[int]) -> dict[tuple[int, str], date]:
    """Per pupil and rule, the latest sweep day that kept a finding opening no case."""
    return {
        (pupil_id, rule): found_on
        for pupil_id, rule, found_on in session.execute(
            select(PupilFinding.pupil_id, PupilFinding.rule, func.max(PupilFinding.found_on))
            .where(PupilFinding.school_id.in_(school_ids))
            .group_by(PupilFinding.pupil_id, PupilFinding.rule)
        )
    }


def _notice_row(school_id: int, pupil_id: int, finding: Finding, as_of: date) -> dict[str, Any]:
    return {
        "school_id": school_id,
        "pupil_id": pupil_id,
        "rule": finding.rule,
        # A rule that names no first day has one occurrence: the day it was first found.
        "began": finding.began or as_of,
        "found_on": as_of,
        "reason": finding.reason,
        "staff_reason": finding.staff_reason or finding.reason,
        "details": {
            "facts": json.loads(json.dumps(finding.facts, default=str)),
            "marks": [m.as_dict() for m in finding.evidence],
        },
    }


def _insert_new(session: Session) -> Any:
    """A bulk insert of pupil findings that skips an occurrence a concurrent sweep kept first."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(PupilFinding).on_conflict_do_nothing()
    if session.get_bind().dialect.name == "sqlite":
        return sqlite.insert(PupilFinding).on_conflict_do_nothing()
    return insert(PupilFinding)


def _new_occurrence(finding: Finding, last_seen: date | None) -> bool:
    """Whether a finding is one the case does not hold yet.

    The case holds the rule's latest finding as of `last_seen`. A finding that began after
    that day is another occurrence (a new term's letter, a new run, a breach that stopped and
    came back): recorded. One that began on or before it is the same breach, still holding.
    """
    if last_seen is None:
        return True
    return finding.began is not None and finding.began > last_seen


def run_deadlines(
    db: Database, today: date, urn: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Deadlines due today and overdue (of one school's cases, given its URN); fire the
    transitions a passed deadline decides."""
    due: list[dict[str, Any]] = []
    overdue: list[dict[str, Any]] = []
    to_fire: list[tuple[int, str, int]] = []
    with db.transaction() as session:
        query = (
            select(CaseDeadline, Case, Pupil)
            .join(Case, Case.id == CaseDeadline.case_id)
            .join(Pupil, Pupil.id == Case.pupil_id)
            .where(CaseDeadline.status == "open", CaseDeadline.due_on <= today)
            .order_by(CaseDeadline.due_on, CaseDeadline.id)
        )
        if urn is not None:  # sweeping one school touches only that school's cases
            query = query.join(School, School.id == Case.school_id).where(School.urn == urn)
        rows = session.execute(query)
        for deadline, case, pupil in rows:
            entry = {
                "case": case.id,
                "upn": pupil.upn,
                "kind": case.kind,
                "state": case.state,
                "deadline": deadline.name,
                "label": deadline.label,
                "due_on": deadline.due_on.isoformat(),
            }
            (due if deadline.due_on == today else overdue).append(entry)
            if deadline.fires and deadline.due_on < today:
                to_fire.append((case.id, deadline.fires, case.version))
    fired: list[dict[str, Any]] = []
    if not to_fire:
        return due, overdue, fired
    system = system_actor(db)
    for case_id, trigger, version in to_fire:
        try:
            outcome = cases.fire(
                db,
                case_id=case_id,
                trigger=trigger,
                who=system,
                today=today,
                expected_version=version,
            )
        except (TriggerError, cases.ConflictError):
            continue  # not yet decidable (or someone acted first): the deadline stays listed
        fired.append(
            {
                "case": case_id,
                "trigger": trigger,
                "from": outcome.from_state,
                "to": outcome.to_state,
            }
        )
    return due, overdue, fired


def daily_sweep(
    db: Database,
    as_of: date,
    urn: str | None = None,
    *,
    record: bool = True,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
) -> DailySweepResult:
    """Findings for every pupil; with `record`, the case work they and the deadlines lead to.

    With `workers` above 1 and several schools to sweep, the schools are swept on a pool of
    that many processes, each school in its own transaction (`sweep_pool`); the result is the
    same as sweeping them in turn here.
    """
    if urn is None and workers > 1:
        urns = [school.urn for school in due_schools(db, as_of)]
        if sweep_pool.pool_fits(db, len(urns), workers):
            work = partial(_one_school, as_of=as_of, record=record)
            parts = sweep_pool.run_schools(db, urns, work, workers=workers, progress=progress)
            out = _merge(as_of, parts)
            if record:
                out.deadlines_due, out.deadlines_overdue, out.transitions_fired = run_deadlines(
                    db, as_of
                )
                _record_run(db, out, urn)
            return out
    result = sweep(db, as_of, urn, progress=progress)
    out = DailySweepResult(result)
    if record:
        out.cases_opened, out.evidence_added, out.notices_recorded = apply_findings(
            db, result, as_of, out
        )
        out.deadlines_due, out.deadlines_overdue, out.transitions_fired = run_deadlines(
            db, as_of, urn
        )
        _record_run(db, out, urn)
    return out


def _one_school(url: str, urn: str, *, as_of: date, record: bool) -> DailySweepResult:
    """In a pool's worker: one school swept and, with `record`, its case work done, in its
    own transaction (the deadlines are the caller's, once every school is done)."""
    db = sweep_pool.database(url)
    found = sweep(db, as_of, urn)
    done = DailySweepResult(found)
    if record:
        done.cases_opened, done.evidence_added, done.notices_recorded = apply_findings(
            db, found, as_of, done
        )
    return done


def _merge(as_of: date, parts: list[DailySweepResult]) -> DailySweepResult:
    """Schools' results as one, in the order given: as one process sweeping them reports."""
    names: dict[str, str] = {}
    for part in parts:
        names.update(part.findings.names)
    findings = [f for part in parts for f in part.findings.findings]
    pupils = sum(part.findings.pupils for part in parts)
    merged = DailySweepResult(SweepResult(as_of, findings, pupils, names))
    for part in parts:
        merged.cases_opened += part.cases_opened
        merged.evidence_added += part.evidence_added
        merged.notices_recorded += part.notices_recorded
        merged.letters_drafted += part.letters_drafted
        merged.letters_refused += part.letters_refused
    return merged


def _record_run(db: Database, done: DailySweepResult, urn: str | None) -> None:
    """Note that the sweep ran (the worklist says when), for one school or for all."""
    with db.transaction() as session:
        school_id = (
            session.scalar(select(School.id).where(School.urn == urn)) if urn is not None else None
        )
        session.add(
            SweepRun(
                school_id=school_id,
                as_of=done.findings.as_of,
                finished_at=datetime.now(UTC),
                findings=len(done.findings.findings),
                cases_opened=len(done.cases_opened),
                username=SYSTEM_USERNAME,
            )
        )


@dataclass(frozen=True, slots=True)
class SweepRunView:
    as_of: date
    finished_at: datetime
    findings: int
    cases_opened: int


def last_sweep(db: Database, *, who: Actor) -> SweepRunView | None:
    """The latest sweep that covered a school `who` may see (a sweep of all schools counts)."""
    with db.transaction() as session:
        visible = select(School.id).where(visible_to(who, School)).scalar_subquery()
        run = session.scalars(
            select(SweepRun)
            .where(SweepRun.school_id.is_(None) | SweepRun.school_id.in_(visible))
            .order_by(SweepRun.finished_at.desc(), SweepRun.id.desc())
            .limit(1)
        ).first()
        if run is None:
            return None
        return SweepRunView(run.as_of, run.finished_at, run.findings, run.cases_opened)


__all__ = [
    "DailySweepResult",
    "SweepRunView",
    "apply_findings",
    "daily_sweep",
    "last_sweep",
    "run_deadlines",
]
