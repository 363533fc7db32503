"""Policy rules evaluated over a register: each firing is a finding that cites its marks."""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from casework.policy.model import Policy, PolicyError, RuleSpec
from casework.register.codes import BY_CODE, CODE_ID, Category
from casework.register.marks import APPROVED, POSSIBLE, PRESENT, Mark, Register, code_mask
from casework.register.school_age import of_compulsory_school_age
from casework.text import long_date


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule that fired for a pupil as of a date, with a reason and the marks behind it.

    `reason` is written to a parent ("your child ..."); `staff_reason` says the same to staff,
    naming the pupil. `began` is the first day of this occurrence: the period it counts (a
    termly letter), the first day of a run, or the day a rolling count last rose to the rule.
    """

    pupil: Any  # the register's key for the pupil (the sweep uses the UPN)
    rule: str
    reason: str
    evidence: Sequence[Mark]
    facts: dict[str, Any] = field(default_factory=dict)
    began: date | None = None
    staff_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "upn": self.pupil,
            "rule": self.rule,
            "reason": self.reason,
            "staff_reason": self.staff_reason or self.reason,
            "began": self.began.isoformat() if self.began else None,
            "evidence": [m.as_dict() for m in self.evidence],
        }


def _percent(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value == round(value, 1) else f"{value:.2f}"


# -- windows -------------------------------------------------------------------------------

PERIODS = ("year", "term", "half_term")


def window_start(register: Register, as_of: date, params: dict[str, Any]) -> date:
    """First day a rule looks at: a period so far, or the last N school weeks or days."""
    calendar = register.calendar
    if "school_weeks" in params:
        window = calendar.school_weeks_window(as_of, int(params["school_weeks"]))
        return window[0] if window else as_of
    if "school_days" in params and "period" not in params:
        index = max(calendar.index_on_or_before(as_of) - int(params["school_days"]) + 1, 0)
        return calendar.days[index]
    period = params.get("period", "year")
    if period == "term":
        term = calendar.latest_term(as_of)
        return term.start if term else as_of
    if period == "half_term":
        half = calendar.latest_half_term(as_of)
        return half.start if half else as_of
    return year_start(calendar, as_of, bool(params.get("across_years")))


def year_start(calendar: Any, as_of: date, across_years: bool = False) -> date:
    """The first day of the school year of `as_of`; `across_years`, of the year before it
    when the calendar lists it (a run of absence goes on across the summer break)."""
    year = calendar.academic_year(as_of)
    start: date = year.start if year else calendar.first_day
    if across_years:
        # 31 July is the last day of the school year before (a year runs from 1 August).
        first_year = start.year if start.month >= 8 else start.year - 1
        before = calendar.academic_year(date(first_year, 7, 31))
        if before is not None:
            start = before.start
    return start


def window_columns(
    register: Register, as_of: date, params: dict[str, Any]
) -> tuple[int, int, date]:
    start = max(window_start(register, as_of, params), register.start)
    lo = register.column_on_or_after(start)
    if lo // 2 < len(register.days):  # "since" names the first school day counted, not a Saturday
        start = register.days[lo // 2]
    return lo, register.column_on_or_before(as_of) + 1, start


def window_text(params: dict[str, Any], since: date) -> str:
    """How a rule's window reads in a sentence."""
    if "school_weeks" in params:
        return f"in the last {params['school_weeks']} school weeks"
    if "school_days" in params and "period" not in params:
        return f"in the last {params['school_days']} school days"
    period = params.get("period", "year")
    label = {"year": "this school year", "term": "this term", "half_term": "this half term"}[period]
    return f"{label} (since {long_date(since)})"


def rolling(params: dict[str, Any]) -> bool:
    """Whether a rule counts a rolling window (the last N school weeks or days), not a period."""
    return "school_weeks" in params or ("school_days" in params and "period" not in params)


Holds = Callable[[int, int, npt.NDArray[np.intp]], npt.NDArray[np.bool_]]


def rolling_began(
    register: Register, as_of: date, params: dict[str, Any], rows: list[int], holds: Holds
) -> dict[int, date]:
    """Per row, the first school day of the unbroken run of days on which a rolling rule held.

    `holds(lo, hi, rows)` says for which rows the rule holds over columns lo..hi-1. The walk
    goes back no further than the start of the school year (nor than the register holds): a
    breach that has lasted since then is dated from the year's start, so the same breach
    keeps the same date from one day's sweep to the next, and a new school year starts anew.
    """
    anchor = year_start(register.calendar, as_of)
    began = dict.fromkeys(rows, max(anchor, register.days[0] if register.days else anchor))
    pending = np.array(rows, dtype=np.intp)
    today = register.column_on_or_before(as_of) // 2
    for d in range(today - 1, -1, -1):
        day = register.days[d]
        start = window_start(register, day, params)
        if day < anchor or start < register.start or pending.size == 0:
            break
        held = holds(register.column_on_or_after(start), 2 * d + 2, pending)
        for row in pending[~held].tolist():
            began[row] = register.days[d + 1]
        pending = pending[held]
    return began


def code_table(params: dict[str, Any], key: str = "codes") -> npt.NDArray[np.bool_]:
    """The codes a rule counts: a list of codes, or `categories` of codes."""
    codes = set(params.get(key, []))
    for category in params.get("categories", []) if key == "codes" else []:
        codes |= {c.code for c in BY_CODE.values() if c.category == Category(category)}
    return code_mask(codes)


def _codes_text(params: dict[str, Any], key: str = "codes") -> str:
    parts = list(params.get(key, []))
    if key == "codes":
        parts += [str(c).replace("_", " ") for c in params.get("categories", [])]
    return ", ".join(parts)


# -- rule kinds ----------------------------------------------------------------------------

Evaluator = Callable[[Register, date, RuleSpec, npt.NDArray[np.bool_]], list[Finding]]


@dataclass(frozen=True, slots=True)
class RuleKind:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    placeholders: tuple[str, ...]
    evaluate: Evaluator


def _fill(spec: RuleSpec, facts: dict[str, Any]) -> str:
    return spec.reason.format_map(facts)


def _finding(
    register: Register,
    row: int,
    spec: RuleSpec,
    facts: dict[str, Any],
    evidence: Sequence[Mark],
    began: date | None,
) -> Finding:
    return Finding(register.pupils[row], spec.id, _fill(spec, facts), evidence, facts, began)


def _began(
    register: Register,
    as_of: date,
    params: dict[str, Any],
    rows: list[int],
    since: date,
    holds: Holds,
) -> dict[int, date]:
    """When each firing began: a period's rule counts from the period's start (one letter a
    term), a rolling rule from the day its count last came up to the rule."""
    if rolling(params):
        return rolling_began(register, as_of, params, rows, holds)
    return dict.fromkeys(rows, since)


def _rate_findings(
    register: Register,
    as_of: date,
    spec: RuleSpec,
    rows: npt.NDArray[np.bool_],
    fires: Callable[[npt.NDArray[np.int64], npt.NDArray[np.int64]], npt.NDArray[np.bool_]],
) -> list[Finding]:
    from casework.register.statistics import ABSENT, counts

    lo, hi, since = window_columns(register, as_of, spec.params)
    c = counts(register, lo, hi)
    attending = c.present + c.approved
    hit = np.flatnonzero(rows & fires(attending, c.possible))

    def holds(lo: int, hi: int, sub: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
        block = register.codes[sub, lo:hi]
        present = PRESENT[block].sum(axis=1, dtype=np.int64)
        possible = POSSIBLE[block].sum(axis=1, dtype=np.int64)
        return fires(present + APPROVED[block].sum(axis=1, dtype=np.int64), possible)

    began = _began(register, as_of, spec.params, hit.tolist(), since, holds)
    said = {"since": long_date(since), "window": window_text(spec.params, since)}
    out = []
    for row in hit.tolist():
        possible = int(c.possible[row])
        absent = int(c.absent[row])
        facts = {
            **spec.params,
            "possible": possible,
            "absent": absent,
            "attended": int(attending[row]),
            "attendance_rate": _percent(100 * int(attending[row]) / possible),
            "absence_rate": _percent(100 * absent / possible),
            **said,
        }
        evidence = register.evidence_where(row, ABSENT, lo, hi)
        out.append(_finding(register, row, spec, facts, evidence, began[row]))
    return out


def _absence_rate(
    register: Register, as_of: date, spec: RuleSpec, rows: npt.NDArray[np.bool_]
) -> list[Finding]:
    at_least = float(spec.params["at_least"])

    def fires(
        attending: npt.NDArray[np.int64], possible: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        absent = possible - attending
        return (possible > 0) & (absent * 100 >= possible * at_least)

    return _rate_findings(register, as_of, spec, rows, fires)


def _attendance_rate(
    register: Register, as_of: date, spec: RuleSpec, rows: npt.NDArray[np.bool_]
) -> list[Finding]:
    # A band of attendance: from `at_least` (or strictly `above`) up to strictly `below`;
    # a band with no `below` is open at the top (so 100% attendance is in it).
    below = spec.params.get("below")
    floor = float(spec.params.get("at_least", -1))
    above = float(spec.params.get("above", -1))

    def fires(
        attending: npt.NDArray[np.int64], possible: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        hit = (
            (possible > 0)
            & (attending * 100 >= possible * floor)
            & (attending * 100 > possible * above)
        )
        if below is not None:  # compared only when set: no infinities times zero
            hit &= attending * 100 < possible * float(below)
        return hit

    return _rate_findings(register, as_of, spec, rows, fires)


def _threshold(params: dict[str, Any]) -> int:
    if "at_least" in params:
        return int(params["at_least"])
    return int(params["more_than"]) + 1


def _session_count(
    register: Register, as_of: date, spec: RuleSpec, rows: npt.NDArray[np.bool_]
) -> list[Finding]:
    params = spec.params
    table = code_table(params)
    lo, hi, since = window_columns(register, as_of, params)
    count = table[register.codes[:, lo:hi]].sum(axis=1, dtype=np.int64)
    fires = rows & (count >= _threshold(params))
    if "below" in params:
        fires &= count < int(params["below"])

    def holds(lo: int, hi: int, sub: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
        counted = table[register.codes[sub, lo:hi]].sum(axis=1, dtype=np.int64)
        ok = counted >= _threshold(params)
        return ok & (counted < int(params["below"])) if "below" in params else ok

    hit = np.flatnonzero(fires).tolist()
    began = _began(register, as_of, params, hit, since, holds)
    said = {
        "threshold": _threshold(params),
        "codes": _codes_text(params),
        "since": long_date(since),
        "window": window_text(params, since),
    }
    out = []
    for row in hit:
        facts = {**params, "count": int(count[row]), **said}
        evidence = register.evidence_where(row, table, lo, hi)
        out.append(_finding(register, row, spec, facts, evidence, began[row]))
    return out


def _run_window(params: dict[str, Any]) -> dict[str, Any]:
    """The window a run of days is looked for in: the school year, or with `across_years`
    the year before it too, so that a run goes on across the summer into the next year."""
    return {
        "period": params.get("period", "year"),
        "across_years": bool(params.get("across_years", False)),
    }


def _qualifying_days(
    register: Register, table: npt.NDArray[np.bool_], lo: int, hi: int
) -> npt.NDArray[np.bool_]:
    """Per pupil and day: every marked session of the day is in the table, and one is marked."""
    lo -= lo % 2
    hi += hi % 2
    block = register.codes[:, lo:hi]
    am, pm = block[:, 0::2], block[:, 1::2]
    am_ok, pm_ok = table[am], table[pm]
    return (am_ok | (am == 0)) & (pm_ok | (pm == 0)) & (am_ok | pm_ok)


def _last_marked_day(register: Register, lo: int, hi: int) -> npt.NDArray[np.intp]:
    """Per pupil, the index (from lo's day) of the last day with any mark, -1 if none."""
    lo -= lo % 2
    hi += hi % 2
    marked = register.codes[:, lo:hi] != 0
    days_marked = marked[:, 0::2] | marked[:, 1::2]
    n = days_marked.shape[1]
    if n == 0:  # an empty window (as_of before its first school day): argmax would raise
        return np.full(days_marked.shape[0], -1, dtype=np.intp)
    last = n - 1 - np.argmax(days_marked[:, ::-1], axis=1)
    return np.where(days_marked.any(axis=1), last, -1)


def _consecutive_days(
    register: Register, as_of: date, spec: RuleSpec, rows: npt.NDArray[np.bool_]
) -> list[Finding]:
    params = spec.params
    table = code_table(params)
    need = int(params["days"])
    ongoing = bool(params.get("ongoing", True))
    lo, hi, _since = window_columns(register, as_of, _run_window(params))
    lo -= lo % 2
    ok = _qualifying_days(register, table, lo, hi)
    n_days = ok.shape[1]
    if n_days == 0:  # no school day in the window yet: nothing can have run
        return []
    # Per pupil and day, the length of the run of qualifying days ending that day: the day's
    # index less that of the last day before it that did not qualify.
    day_index = np.arange(n_days, dtype=np.int64)
    last_break = np.maximum.accumulate(np.where(ok, -1, day_index[None, :]), axis=1)
    runs = day_index[None, :] - last_break
    best = runs.max(axis=1)
    # The first longest run's last day (-1 with no run at all).
    best_end = np.where(best > 0, runs.argmax(axis=1), -1)
    if ongoing:
        last = _last_marked_day(register, lo, hi)
        length = np.where(last >= 0, runs[np.arange(len(last)), np.maximum(last, 0)], 0)
        end = last
    else:
        length, end = best, best_end
    out = []
    for row in np.flatnonzero(rows & (length >= need)).tolist():
        run_len, run_end = int(length[row]), int(end[row])
        first_col = lo + 2 * (run_end - run_len + 1)
        last_col = lo + 2 * run_end + 2
        evidence = register.evidence_where(row, table, first_col, last_col)
        facts = {
            **params,
            "run": run_len,
            "first": long_date(register.days[first_col // 2]),
            "last": long_date(register.days[(last_col - 1) // 2]),
            "codes": _codes_text(params),
            "run_from": register.days[first_col // 2].isoformat(),  # a case counts from it
        }
        began = register.days[first_col // 2]  # a new run is a new occurrence
        out.append(_finding(register, row, spec, facts, evidence, began))
    return out


def _code_unresolved(
    register: Register, as_of: date, spec: RuleSpec, rows: npt.NDArray[np.bool_]
) -> list[Finding]:
    params = spec.params
    table = code_mask([params["code"]])
    older_than = int(params["older_than_school_days"])
    lo, _hi, _since = window_columns(register, as_of, {"period": params.get("period", "year")})
    # Marks on days with more than `older_than` school days after them up to as_of.
    last_overdue_day = (
        register.calendar.index_on_or_before(as_of) - older_than - 1 - register.first_index
    )
    if last_overdue_day < 0:
        return []
    hi = min(2 * last_overdue_day + 2, register.codes.shape[1])
    overdue = table[register.codes[:, lo:hi]]
    out = []
    for row in np.flatnonzero(rows & overdue.any(axis=1)).tolist():
        evidence = register.evidence_where(row, table, lo, hi)
        facts = {
            **params,
            "count": len(evidence),
            "oldest": long_date(evidence[0].date),
        }
        # From the day the oldest unsettled mark became overdue.
        began = register.calendar.nth_school_day_after(evidence[0].date, older_than + 1)
        out.append(_finding(register, row, spec, facts, evidence, began))
    return out


def _leave_runs(
    codes_row: npt.NDArray[np.uint8], leave: npt.NDArray[np.bool_]
) -> list[tuple[int, int]]:
    """(first day, last day) of each run of days with a leave mark, as day offsets."""
    return _runs(leave[codes_row[0::2]] | leave[codes_row[1::2]])


def _not_returned_after_leave(
    register: Register, as_of: date, spec: RuleSpec, rows: npt.NDArray[np.bool_]
) -> list[Finding]:
    params = spec.params
    leave = code_table(params, "leave_codes")
    absent = code_table(params, "absent_codes")
    need = int(params["school_days"])
    lo, hi, _since = window_columns(register, as_of, _run_window(params))
    lo -= lo % 2
    hi += hi % 2
    block = register.codes[:, lo:hi]
    candidates = np.flatnonzero(rows & leave[block].any(axis=1))
    ok = _qualifying_days(register, absent, lo, hi)
    out = []
    for row in candidates.tolist():
        runs = _leave_runs(block[row], leave)
        if not runs:
            continue
        _first, leave_end = runs[-1]
        after = ok[row, leave_end + 1 :]
        # Absent on every day since the leave ended (up to the last marked day).
        marked = (block[row, 2 * (leave_end + 1) :: 2] != 0) | (
            block[row, 2 * (leave_end + 1) + 1 :: 2] != 0
        )
        if not marked.any():
            continue
        last = int(np.flatnonzero(marked)[-1])
        streak = after[: last + 1]
        if not streak.all() or len(streak) < need:
            continue
        first_col = lo + 2 * (leave_end + 1)
        evidence = register.evidence_where(
            row, leave | absent, lo + 2 * leave_end, first_col + 2 * (last + 1)
        )
        facts = {
            **params,
            "leave_end": long_date(register.days[lo // 2 + leave_end]),
            "run": len(streak),
            "days": need,
            "run_from": register.days[first_col // 2].isoformat(),  # the first day not back
        }
        began = register.days[lo // 2 + leave_end + need]  # the day the ground first held
        out.append(_finding(register, row, spec, facts, evidence, began))
    return out


def _absence_next_to_leave(
    register: Register, as_of: date, spec: RuleSpec, rows: npt.NDArray[np.bool_]
) -> list[Finding]:
    """Absence right before or after a leave: the whole unbroken run of absence sessions on
    each side (a week off ill before a fortnight's leave is all of it), not only the next day."""
    params = spec.params
    leave = code_table(params, "leave_codes")
    absence = code_table(params, "absence_codes") & ~leave
    lo, hi, _since = window_columns(register, as_of, {"period": params.get("period", "year")})
    lo -= lo % 2
    hi += hi % 2
    block = register.codes[:, lo:hi]
    candidates = np.flatnonzero(rows & leave[block].any(axis=1))
    out = []
    for row in candidates.tolist():
        codes = block[row]
        hits: set[int] = set()
        latest: list[int] = []  # the sessions next to the latest leave that has any
        for first, last in _runs(leave[codes]):
            episode = []
            col = first - 1
            while col >= 0 and absence[codes[col]]:
                episode.append(col)
                col -= 1
            col = last + 1
            while col < len(codes) and absence[codes[col]]:
                episode.append(col)
                col += 1
            hits.update(episode)
            latest = episode or latest
        if not hits:
            continue
        evidence = register.evidence(row, np.array(sorted(lo + c for c in hits), dtype=np.intp))
        facts = {**params, "count": len(evidence), "first": long_date(evidence[0].date)}
        # Each leave with absence next to it is an occurrence of its own.
        began = register.session_of(lo + min(latest))[0]
        out.append(_finding(register, row, spec, facts, evidence, began))
    return out


# -- statutory notifications and the register's completeness (issue 8, item 9) --------------


def _school_day_count(
    register: Register, as_of: date, spec: RuleSpec, rows: npt.NDArray[np.bool_]
) -> list[Finding]:
    """School days with a code, consecutive or not: two sessions make a school day, so a
    morning or an afternoon counts as half a day."""
    params = spec.params
    table = code_table(params)
    lo, hi, since = window_columns(register, as_of, params)
    sessions = table[register.codes[:, lo:hi]].sum(axis=1, dtype=np.int64)
    at_least = params["at_least"]
    out = []
    for row in np.flatnonzero(rows & (sessions >= 2 * at_least)).tolist():
        count = int(sessions[row])
        facts = {
            **params,
            "days": f"{count // 2}" + (" and a half" if count % 2 else ""),
            "sessions": count,
            "codes": _codes_text(params),
            "since": long_date(since),
            "window": window_text(params, since),
        }
        evidence = register.evidence_where(row, table, lo, hi)
        # A count over the school year: the year (its window) is the occurrence.
        out.append(_finding(register, row, spec, facts, evidence, since))
    return out


def _session_words(day: date, column: int) -> str:
    return f"{long_date(day)} {'AM' if column % 2 == 0 else 'PM'}"


def _unmarked_sessions(
    register: Register, as_of: date, spec: RuleSpec, rows: npt.NDArray[np.bool_]
) -> list[Finding]:
    """School sessions before `as_of` with no mark while the pupil was on roll: the register
    must have a mark for every pupil at every session (2024 regulations)."""
    params = spec.params
    lo, _hi, since = window_columns(register, as_of, params)
    # Sessions before the sweep day: today's own registers may not be taken yet.
    hi = register.column_on_or_before(as_of - timedelta(days=1)) + 1
    if hi <= lo:
        return []
    columns = np.arange(lo, hi)
    on_roll = (columns[None, :] >= register.roll_from[:, None]) & (
        columns[None, :] < register.roll_to[:, None]
    )
    missing = (register.codes[:, lo:hi] == 0) & on_roll
    most = int(params["names_at_most"])
    out = []
    for row in np.flatnonzero(rows & missing.any(axis=1)).tolist():
        cols = (np.flatnonzero(missing[row]) + lo).tolist()
        named = [_session_words(register.days[c // 2], c) for c in cols[:most]]
        more = len(cols) - len(named)
        facts = {
            **params,
            "count": len(cols),
            "sessions": ", ".join(named) + (f" and {more} more" if more else ""),
            "first": long_date(register.days[cols[0] // 2]),
            "since": long_date(since),
        }
        out.append(_finding(register, row, spec, facts, (), register.days[cols[0] // 2]))
    return out


def _runs(flags: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    edges = np.diff(np.concatenate(([0], np.asarray(flags, dtype=np.int8), [0])))
    firsts = np.flatnonzero(edges == 1).tolist()
    lasts = (np.flatnonzero(edges == -1) - 1).tolist()
    return list(zip(firsts, lasts, strict=True))


_WINDOW = ("period", "school_weeks", "school_days")
_RATE_FACTS = (
    "possible",
    "absent",
    "attended",
    "attendance_rate",
    "absence_rate",
    "since",
    "window",
)

KINDS: dict[str, RuleKind] = {
    kind.name: kind
    for kind in (
        RuleKind("absence_rate", ("at_least",), _WINDOW, _RATE_FACTS, _absence_rate),
        RuleKind(
            "attendance_rate",
            (),
            (*_WINDOW, "below", "at_least", "above"),
            _RATE_FACTS,
            _attendance_rate,
        ),
        RuleKind(
            "session_count",
            (),
            (*_WINDOW, "codes", "categories", "at_least", "more_than", "below"),
            ("count", "threshold", "codes", "since", "window"),
            _session_count,
        ),
        RuleKind(
            "consecutive_days",
            ("days",),
            ("codes", "categories", "ongoing", "period", "across_years"),
            ("run", "first", "last", "codes"),
            _consecutive_days,
        ),
        RuleKind(
            "code_unresolved",
            ("code", "older_than_school_days"),
            ("period",),
            ("count", "oldest"),
            _code_unresolved,
        ),
        RuleKind(
            "not_returned_after_leave",
            ("leave_codes", "absent_codes", "school_days"),
            ("period", "across_years"),
            ("leave_end", "run", "days"),
            _not_returned_after_leave,
        ),
        RuleKind(
            "school_day_count",
            ("at_least",),
            (*_WINDOW, "codes", "categories"),
            ("days", "sessions", "codes", "since", "window"),
            _school_day_count,
        ),
        RuleKind(
            "unmarked_sessions",
            ("names_at_most",),
            ("period",),
            ("count", "sessions", "first", "since"),
            _unmarked_sessions,
        ),
        RuleKind(
            "absence_next_to_leave",
            ("leave_codes", "absence_codes"),
            ("period",),
            ("count", "first"),
            _absence_next_to_leave,
        ),
    )
}


_WHOLE_NUMBERS = (
    "days",
    "school_days",
    "school_weeks",
    "older_than_school_days",
    "names_at_most",
)
_CODE_LISTS = ("codes", "categories", "leave_codes", "absent_codes", "absence_codes")


def _validate_values(spec: RuleSpec, where: str) -> None:
    """Settings of the wrong type would load and then fail (or mislead) when the rule runs."""
    for key, value in spec.params.items():
        counted = key in _WHOLE_NUMBERS or (
            spec.kind == "session_count" and key in ("at_least", "more_than", "below")
        )
        if counted and (type(value) is not int or value < 0):
            raise PolicyError(f"{where}.{key} must be a whole number, not {value!r}")
        if key in ("at_least", "below", "above") and not (
            isinstance(value, int | float) and not isinstance(value, bool)
        ):
            raise PolicyError(f"{where}.{key} must be a number, not {value!r}")
        if key in _CODE_LISTS and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise PolicyError(f"{where}.{key} must be a list such as ['G', 'O'], not {value!r}")
        if key in ("ongoing", "across_years") and not isinstance(value, bool):
            raise PolicyError(f"{where}.{key} must be true or false, not {value!r}")


def validate_rule(spec: RuleSpec, path: Path | str) -> None:
    """Refuse a rule whose kind, numbers, codes or sentence do not fit together."""
    where = f"{path}: rules.{spec.id.rsplit('.', 1)[-1]}"
    kind = KINDS.get(spec.kind)
    if kind is None:
        raise PolicyError(f"{where}.kind {spec.kind!r} is not one of {', '.join(sorted(KINDS))}")
    for key in kind.required:
        if key not in spec.params:
            raise PolicyError(f"{where}.{key} is missing (a {spec.kind} rule needs it)")
    allowed = set(kind.required) | set(kind.optional)
    for key in spec.params:
        if key not in allowed:
            raise PolicyError(f"{where}.{key} is not a setting of a {spec.kind} rule")
    if spec.kind == "session_count" and not ({"at_least", "more_than"} & spec.params.keys()):
        raise PolicyError(f"{where} needs at_least or more_than")
    if spec.kind == "attendance_rate" and not ({"below", "at_least", "above"} & spec.params.keys()):
        raise PolicyError(
            f"{where}.below is missing (an attendance_rate rule needs below, at_least or above)"
        )
    for pair in (("at_least", "more_than"), ("at_least", "above")):
        if set(pair) <= spec.params.keys():
            raise PolicyError(f"{where} has both {pair[0]} and {pair[1]}: give one of them")
    if spec.kind in ("session_count", "consecutive_days", "school_day_count") and not (
        {"codes", "categories"} & spec.params.keys()
    ):
        raise PolicyError(f"{where} needs codes or categories")
    period = spec.params.get("period")
    if period is not None and period not in PERIODS:
        raise PolicyError(f"{where}.period must be one of {', '.join(PERIODS)}, not {period!r}")
    _validate_values(spec, where)
    for key in ("codes", "leave_codes", "absent_codes", "absence_codes"):
        for code in spec.params.get(key, []):
            if code not in CODE_ID:
                raise PolicyError(f"{where}.{key} has unknown attendance code {code!r}")
    if "code" in spec.params and spec.params["code"] not in CODE_ID:
        raise PolicyError(f"{where}.code {spec.params['code']!r} is not an attendance code")
    for category in spec.params.get("categories", []):
        if category not in {c.value for c in Category}:
            raise PolicyError(f"{where}.categories has unknown category {category!r}")
    known = set(kind.placeholders) | set(spec.params)
    _validate_template(spec, where, "reason", spec.reason, known)
    _validate_template(spec, where, "staff_reason", spec.staff_reason, known | {"pupil"})


def _validate_template(
    spec: RuleSpec, where: str, key: str, template: str, known: set[str]
) -> None:
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as error:  # an unmatched brace would only fail when the rule fires
        raise PolicyError(f"{where}.{key} is not a valid sentence template: {error}") from None
    for _text, name, _fmt, _conv in fields:
        if name == "":
            raise PolicyError(f"{where}.{key} has an empty {{}}: name the fact to show")
        if name and name not in known:
            raise PolicyError(
                f"{where}.{key} uses {{{name}}}, which a {spec.kind} rule does not provide "
                f"(it provides {', '.join(sorted(known))})"
            )


def evaluate_rule(
    spec: RuleSpec,
    register: Register,
    as_of: date,
    rows: npt.NDArray[np.bool_] | None = None,
    births: Sequence[date | None] | None = None,
    names: Sequence[str] | None = None,
) -> list[Finding]:
    """Findings of one rule for the register's pupils (only `rows` when given).

    With `births` (each row's date of birth), a rule for children of compulsory school age
    looks only at pupils of that age on every day of its window. `names` (each row's name)
    go into the sentence for staff; without them it names the pupil by the register's key.
    """
    if rows is None:
        rows = np.ones(len(register.pupils), dtype=bool)
    if births is not None and spec.applies_to == "compulsory_school_age":
        _lo, _hi, since = window_columns(register, as_of, spec.params)
        of_age = [
            of_compulsory_school_age(born, since) and of_compulsory_school_age(born, as_of)
            for born in births
        ]
        rows = rows & np.array(of_age, dtype=bool)
    found = KINDS[spec.kind].evaluate(register, as_of, spec, rows)
    name_of = dict(zip(register.pupils, names, strict=True)) if names is not None else {}
    return [
        # Built afresh rather than by dataclasses.replace, which looks the fields up each time.
        Finding(
            f.pupil,
            f.rule,
            f.reason,
            f.evidence,
            f.facts,
            f.began,
            staff_sentence(spec, f, name_of.get(f.pupil, str(f.pupil))),
        )
        for f in found
    ]


def staff_sentence(spec: RuleSpec, finding: Finding, name: str) -> str:
    """The finding in staff's words, naming the pupil."""
    if spec.staff_reason:
        return spec.staff_reason.format_map({**finding.facts, "pupil": name})
    return f"{name}: {finding.reason}"


def evaluate_policy(
    policy: Policy,
    register: Register,
    as_of: date,
    rows: npt.NDArray[np.bool_] | None = None,
    births: Sequence[date | None] | None = None,
    names: Sequence[str] | None = None,
) -> list[Finding]:
    """Findings of every rule in a policy, in rule order then pupil order."""
    out: list[Finding] = []
    for spec in policy.rules.values():
        out.extend(evaluate_rule(spec, register, as_of, rows, births, names))
    return out


def lookback_start(policy: Policy, register_calendar: Any, as_of: date) -> date:
    """The earliest day any rule of the policy looks at for `as_of`."""
    calendar = register_calendar
    first = year_start(calendar, as_of)
    start = min([first, *(rule_lookback(spec, calendar, as_of) for spec in policy.rules.values())])
    if min(_window_reach(spec, calendar, as_of) for spec in policy.rules.values()) < first:
        # While a rolling window still reaches into last year, read back to the window of the
        # year's first day too, so that rolling_began can follow a breach to the year's start.
        start = min(
            start, *(_window_reach(spec, calendar, first) for spec in policy.rules.values())
        )
    return start


def rule_lookback(spec: RuleSpec, calendar: Any, as_of: date) -> date:
    """The earliest day one rule looks at for `as_of`."""
    start = year_start(calendar, as_of, bool(spec.params.get("across_years")))
    return min(start, _window_reach(spec, calendar, as_of))


def _window_reach(spec: RuleSpec, calendar: Any, day: date) -> date:
    """The earliest day a rule's rolling window reaches back to from `day` (`day` if none)."""
    if "school_weeks" in spec.params:
        window = calendar.school_weeks_window(day, int(spec.params["school_weeks"]))
        if window:
            return min(day, window[0])
    elif "school_days" in spec.params and "period" not in spec.params:
        # window_start reaches back N school days, across the start of the year if need be.
        index = calendar.index_on_or_before(day) - int(spec.params["school_days"]) + 1
        return min(day, calendar.days[max(index, 0)])
    return day


__all__ = ["KINDS", "POSSIBLE", "Finding", "evaluate_policy", "evaluate_rule", "validate_rule"]


def session_count_now(spec: RuleSpec, register: Register, row: int, as_of: date) -> dict[str, Any]:
    """A session_count rule's count for one pupil as of a date, whether or not it fires.

    Guards quote it ("7 of 10 sessions in the last 10 school weeks").
    """
    if spec.kind != "session_count":
        raise ValueError(f"{spec.id} is a {spec.kind} rule, not a session count")
    table = code_table(spec.params)
    lo, hi, since = window_columns(register, as_of, spec.params)
    marks = register.marks_where(row, table, lo, hi)
    return {
        "count": len(marks),
        "threshold": _threshold(spec.params),
        "window": window_text(spec.params, since),
        "codes": [m.code for m in marks],
    }
