"""The register matrix and attendance statistics (DOMAIN.md section 2, DfE methodology)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.policy.loader import load_policy
from casework.register.calendar import Session
from casework.register.codes import CODE_ID, CODES, Category
from casework.register.marks import Mark, Register
from casework.register.statistics import PupilStats, cohort_stats, counts, pupil_stats
from tests.support.calendar import CALENDAR as CAL
from tests.support.calendar import YEAR_END, YEAR_START

POLICY = load_policy("national-2024")

NOT_POSSIBLE = ["D", "X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"]
ADMINISTRATIVE = ["Z", "#"]


def register(*pupils: list[str]) -> Register:
    """A year register whose rows hold the given codes session by session from 3 September."""
    reg = Register(CAL, YEAR_START, YEAR_END, [f"pupil{i}" for i in range(len(pupils))])
    for row, codes in enumerate(pupils):
        for col, code in enumerate(codes):
            day, session = reg.session_of(col)
            reg.add(row, day, session, code)
    return reg


def stats(codes: list[str]) -> PupilStats:
    return pupil_stats(register(codes), 0, POLICY)


# -- the register matrix ---------------------------------------------------------------------


def test_register_columns_are_am_then_pm_of_each_school_day_in_the_window() -> None:
    reg = Register(CAL, date(2025, 10, 23), date(2025, 11, 4), ["a"])
    # Thu 23, Fri 24 October; the half term is not in the register; Mon 3, Tue 4 November.
    assert reg.days == [
        date(2025, 10, 23),
        date(2025, 10, 24),
        date(2025, 11, 3),
        date(2025, 11, 4),
    ]
    assert reg.codes.shape == (1, 8)
    assert reg.column(date(2025, 10, 23), Session.AM) == 0
    assert reg.column(date(2025, 10, 23), "PM") == 1
    assert reg.column(date(2025, 11, 3), Session.AM) == 4
    assert reg.session_of(5) == (date(2025, 11, 3), Session.PM)


@pytest.mark.parametrize(
    "day",
    [date(2025, 10, 28), date(2025, 10, 25), date(2025, 10, 22), date(2025, 11, 5)],
    ids=["half-term", "saturday", "before-window", "after-window"],
)
def test_register_column_refuses_a_day_that_is_not_a_school_day_in_the_window(day: date) -> None:
    reg = Register(CAL, date(2025, 10, 23), date(2025, 11, 4), ["a"])
    with pytest.raises(KeyError):
        reg.column(day, Session.AM)


def test_register_from_marks_drops_marks_outside_the_window_or_on_non_school_days() -> None:
    reg = Register.from_marks(
        CAL,
        date(2025, 10, 23),
        date(2025, 11, 4),
        ["a", "b"],
        [
            (0, date(2025, 10, 22), "AM", "O"),  # before the window
            (0, date(2025, 10, 23), "AM", "/"),
            (1, date(2025, 10, 28), "AM", "O"),  # half term
            (1, date(2025, 11, 4), "PM", "L"),
            (1, date(2025, 11, 5), "AM", "O"),  # after the window
        ],
    )
    assert reg.marks(0, range(8)) == [Mark(date(2025, 10, 23), Session.AM, "/")]
    assert reg.marks(1, range(8)) == [Mark(date(2025, 11, 4), Session.PM, "L")]


def test_register_refuses_a_codes_matrix_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match="expected"):
        Register(
            CAL, date(2025, 10, 23), date(2025, 11, 4), ["a"], np.zeros((1, 7), dtype=np.uint8)
        )


def test_set_marks_drops_marks_outside_the_window() -> None:
    reg = Register(CAL, date(2025, 10, 23), date(2025, 11, 4), ["a"])
    first = CAL.day_index(date(2025, 10, 23))
    reg.set_marks(
        np.array([0, 0, 0]),
        np.array([first - 1, first, first + 3]),
        np.array([0, 1, 1]),
        np.array([9, 20, 21], dtype=np.uint8),
    )
    assert reg.codes[0].tolist() == [0, 20, 0, 0, 0, 0, 0, 21]


# -- counts by category ----------------------------------------------------------------------


def test_counts_by_category() -> None:
    codes = [
        *["/", "\\", "L"],  # present (L counts as present)
        *["K", "V", "P", "W", "B", "J"],  # approved educational activity (J: the 2006 code)
        *["C", "C1", "C2", "M", "J1", "S", "T", "R", "I", "E", "H", "F"],  # authorised
        *["G", "N", "O", "U"],  # unauthorised (U counts as unauthorised absence)
        *NOT_POSSIBLE,
        "Y",
        *ADMINISTRATIVE,
    ]
    s = stats(codes)
    assert s.present == 3
    assert s.approved_activity == 6
    assert s.authorised_absence == 12
    assert s.unauthorised_absence == 4
    assert s.late == 2  # L and U
    assert s.possible_sessions == 3 + 6 + 12 + 4
    assert s.attendance_rate == round(100 * 9 / 25, 4)
    assert s.absence_rate == round(100 * 16 / 25, 4)


def test_counts_are_per_pupil_arrays() -> None:
    reg = register(["/", "O", "L"], ["I", "D", "U", "K"])
    c = counts(reg)
    assert c.possible.tolist() == [3, 3]
    assert c.present.tolist() == [2, 0]
    assert c.approved.tolist() == [0, 1]
    assert c.authorised.tolist() == [0, 1]
    assert c.unauthorised.tolist() == [1, 1]
    assert c.absent.tolist() == [1, 2]
    assert c.late.tolist() == [1, 1]


@pytest.mark.parametrize("code", [*NOT_POSSIBLE, "Y", *ADMINISTRATIVE])
def test_not_possible_and_administrative_codes_are_not_possible_sessions(code: str) -> None:
    s = stats(["/", "O", code, code])
    assert s.possible_sessions == 2
    assert (s.present, s.approved_activity, s.authorised_absence, s.unauthorised_absence) == (
        1,
        0,
        0,
        1,
    )
    assert s.attendance_rate == 50.0


def test_unmarked_sessions_are_not_possible_sessions() -> None:
    reg = register(["/", "/"])  # the rest of the year is blank
    assert pupil_stats(reg, 0, POLICY).possible_sessions == 2


def test_attendance_rate_counts_approved_activity_and_has_at_least_two_decimals() -> None:
    # 5 present + 2 approved of 9 possible: 77.777...%
    s = stats(["/", "\\", "L", "/", "\\", "V", "K", "O", "I"])
    assert s.attendance_rate is not None and s.absence_rate is not None
    assert s.attendance_rate == pytest.approx(77.7778, abs=1e-4)
    assert round(s.attendance_rate, 2) == 77.78
    assert s.absence_rate == pytest.approx(22.2222, abs=1e-4)


def test_pupil_stats_over_a_column_range() -> None:
    reg = register(["O", "O", "/", "/", "/", "/"])
    s = pupil_stats(reg, 0, POLICY, lo=2, hi=6)
    assert (s.possible_sessions, s.present, s.unauthorised_absence) == (4, 4, 0)
    assert s.attendance_rate == 100.0


# -- persistent and severe absence -----------------------------------------------------------


def test_exactly_90_percent_is_persistent_absence() -> None:
    # 18 of 180 possible sessions missed: 90.0% attendance, which DfE counts as persistent.
    s = stats(["/"] * 162 + ["O"] * 10 + ["I"] * 8)
    assert s.possible_sessions == 180
    assert s.attendance_rate == 90.0
    assert s.persistent_absence is True
    assert s.severe_absence is False
    assert s.band == "persistent absence"


def test_17_of_180_missed_is_not_persistent_absence() -> None:
    s = stats(["/"] * 163 + ["O"] * 17)
    assert s.attendance_rate == pytest.approx(90.5556, abs=1e-4)
    assert s.persistent_absence is False
    assert s.band == "below regular"


def test_persistent_absence_ignores_not_possible_sessions() -> None:
    # 18 missed of 180 possible; the 20 D sessions would make it 18 of 200 (9%) if counted.
    s = stats(["/"] * 162 + ["O"] * 18 + ["D"] * 20)
    assert s.possible_sessions == 180
    assert s.persistent_absence is True


def test_exactly_50_percent_is_severe_absence() -> None:
    s = stats(["/"] * 90 + ["O"] * 90)
    assert s.attendance_rate == 50.0
    assert s.severe_absence is True
    assert s.persistent_absence is True
    assert s.band == "severe absence"


def test_just_under_half_missed_is_not_severe_absence() -> None:
    s = stats(["/"] * 91 + ["O"] * 89)
    assert s.severe_absence is False
    assert s.persistent_absence is True
    assert s.band == "persistent absence"


@pytest.mark.parametrize(
    "codes",
    [[], ["D", "X", "Y1"], ["Z", "#", "Q"]],
    ids=["blank", "not-possible", "administrative"],
)
def test_no_possible_session_gives_no_rates_and_no_persistent_absence(codes: list[str]) -> None:
    s = stats(codes)
    assert s.possible_sessions == 0
    assert s.attendance_rate is None
    assert s.absence_rate is None
    assert s.persistent_absence is False
    assert s.severe_absence is False
    assert s.band is None


# -- bands -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attended", "possible", "band"),
    [
        (180, 180, "excellent"),
        (96, 100, "good"),
        (179, 180, "good"),  # 99.44%
        (95, 100, "regular"),
        (191, 200, "regular"),  # 95.5%
        (189, 200, "below regular"),  # 94.5%
        (181, 200, "below regular"),  # 90.5%
        (90, 100, "persistent absence"),  # 90.0% exactly is not "below regular"
        (51, 100, "persistent absence"),
        (50, 100, "severe absence"),
        (0, 100, "severe absence"),
    ],
)
def test_bands(attended: int, possible: int, band: str) -> None:
    s = stats(["/"] * attended + ["O"] * (possible - attended))
    assert s.band == band


@pytest.mark.parametrize(
    ("rate", "band"),
    [
        (100.0, "excellent"),
        (99.99, "good"),
        (96.0, "good"),
        (95.99, "regular"),
        (95.0, "regular"),
        (94.99, "below regular"),
        (90.01, "below regular"),
        (90.0, "persistent absence"),
        (50.01, "persistent absence"),
        (50.0, "severe absence"),
        (0.0, "severe absence"),
        (None, None),
    ],
)
def test_band_for_rate(rate: float | None, band: str | None) -> None:
    assert POLICY.band_for(rate) == band


# -- cohorts ---------------------------------------------------------------------------------


def test_cohort_rates_are_over_summed_sessions_and_pa_over_pupils_with_a_possible_session() -> None:
    reg = register(
        ["/"] * 162 + ["O"] * 18,  # persistent absentee, 180 possible
        ["/"] * 180,
        ["/"] * 5 + ["I"] * 5,  # severe (50%), 10 possible
        ["Z"] * 10,  # not yet on roll: no possible session
    )
    c = cohort_stats(reg, None, POLICY)
    assert c.pupils == 4
    assert c.possible_sessions == 370
    assert c.present == 347
    assert c.approved_activity == 0
    assert c.authorised_absence == 5
    assert c.unauthorised_absence == 18
    assert c.late == 0
    # Over summed sessions (347 / 370), not the mean of the pupils' rates (80%).
    assert c.attendance_rate == round(100 * 347 / 370, 4)
    assert c.persistent_absentees == 2
    assert c.persistent_absence_rate == round(100 * 2 / 3, 4)  # of 3 pupils with a session
    assert c.severe_absentees == 1
    assert c.severe_absence_rate == round(100 / 3, 4)


def test_cohort_of_selected_rows() -> None:
    reg = register(["/"] * 162 + ["O"] * 18, ["/"] * 180, ["/", "L", "U", "K"])
    c = cohort_stats(reg, np.array([1, 2]), POLICY)
    assert c.pupils == 2
    assert c.possible_sessions == 184
    assert c.present == 182
    assert c.approved_activity == 1
    assert c.unauthorised_absence == 1
    assert c.late == 2
    assert c.persistent_absentees == 1  # row 2 missed 1 of 4 (25%); row 0 is not selected
    assert c.persistent_absence_rate == 50.0


def test_cohort_without_possible_sessions_has_no_rates() -> None:
    c = cohort_stats(register(["Z", "Z"], []), None, POLICY)
    assert c.pupils == 2
    assert c.possible_sessions == 0
    assert c.attendance_rate is None
    assert c.persistent_absentees == 0
    assert c.persistent_absence_rate is None
    assert c.severe_absence_rate is None


# -- admission and leaving -------------------------------------------------------------------


def test_marks_before_admission_and_after_leaving_are_ignored() -> None:
    reg = Register(CAL, date(2025, 10, 20), date(2025, 11, 7), ["joiner", "leaver"])
    for day in reg.days:
        for session in Session:
            reg.add(0, day, session, "O")
            reg.add(1, day, session, "O")
    # Admitted on Saturday 1 November: the first school session on roll is Monday 3 November AM.
    reg.clear_outside(0, date(2025, 11, 1), None)
    # Left on Sunday 2 November: the last session on roll is Friday 24 October PM.
    reg.clear_outside(1, None, date(2025, 11, 2))
    joiner = reg.marks(0, range(reg.codes.shape[1]))
    leaver = reg.marks(1, range(reg.codes.shape[1]))
    assert joiner[0] == Mark(date(2025, 11, 3), Session.AM, "O")
    assert len(joiner) == 10
    assert leaver[-1] == Mark(date(2025, 10, 24), Session.PM, "O")
    assert len(leaver) == 10
    assert pupil_stats(reg, 0, POLICY).possible_sessions == 10
    assert pupil_stats(reg, 1, POLICY).possible_sessions == 10


def test_admission_and_leaving_on_school_days_keep_those_days() -> None:
    reg = Register(CAL, date(2025, 10, 20), date(2025, 11, 7), ["a"])
    for day in reg.days:
        for session in Session:
            reg.add(0, day, session, "/")
    reg.clear_outside(0, date(2025, 10, 22), date(2025, 11, 4))
    marks = reg.marks(0, range(reg.codes.shape[1]))
    assert marks[0] == Mark(date(2025, 10, 22), Session.AM, "/")
    assert marks[-1] == Mark(date(2025, 11, 4), Session.PM, "/")
    assert len(marks) == 2 * 5


@pytest.mark.parametrize(
    ("on_roll_from", "on_roll_to"),
    [(date(2025, 11, 10), None), (None, date(2025, 10, 17))],
    ids=["admitted-after-window", "left-before-window"],
)
def test_pupil_not_on_roll_in_the_window_has_no_marks(
    on_roll_from: date | None, on_roll_to: date | None
) -> None:
    reg = Register(CAL, date(2025, 10, 20), date(2025, 11, 7), ["a"])
    for day in reg.days:
        reg.add(0, day, Session.AM, "/")
    reg.clear_outside(0, on_roll_from, on_roll_to)
    assert not reg.codes.any()
    assert pupil_stats(reg, 0, POLICY).attendance_rate is None


# -- property --------------------------------------------------------------------------------

ALL_CODES = [c.code for c in CODES]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(ALL_CODES), max_size=388))
def test_categories_add_up_to_possible_sessions_and_rates_stay_in_range(codes: list[str]) -> None:
    s = stats(codes)
    by_category = {cat: sum(1 for c in codes if _category(c) is cat) for cat in Category}
    total = s.present + s.approved_activity + s.authorised_absence + s.unauthorised_absence
    assert total == s.possible_sessions
    assert (
        s.possible_sessions
        == len(codes) - by_category[Category.NOT_POSSIBLE] - by_category[Category.ADMINISTRATIVE]
    )
    assert s.late == codes.count("L") + codes.count("U")
    if s.possible_sessions:
        assert s.attendance_rate is not None and s.absence_rate is not None
        assert 0 <= s.attendance_rate <= 100
        assert 0 <= s.absence_rate <= 100
        assert s.attendance_rate + s.absence_rate == pytest.approx(100, abs=1e-3)
        missed = s.authorised_absence + s.unauthorised_absence
        assert s.persistent_absence == (missed * 10 >= s.possible_sessions)
        assert s.severe_absence == (missed * 2 >= s.possible_sessions)
    else:
        assert s.attendance_rate is None and s.absence_rate is None
        assert not s.persistent_absence


def _category(code: str) -> Category:
    return next(c.category for c in CODES if c.code == code)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["", *(c.code for c in CODES)]), min_size=0, max_size=40),
        min_size=0,
        max_size=5,
    ),
    st.integers(0, 40),
    st.integers(0, 40),
)
def test_counts_are_each_categorys_marks_in_the_window(
    rows: list[list[str]], lo: int, width: int
) -> None:
    reg = register(*([c for c in row if c] for row in rows))
    c = counts(reg, lo, lo + width)
    for row in range(len(rows)):
        codes = [
            code
            for col in range(lo, min(lo + width, reg.codes.shape[1]))
            if (code := reg.codes[row, col])
        ]
        by_id = {CODE_ID[k.code]: k for k in CODES}
        marks = [by_id[int(i)] for i in codes]
        assert c.possible[row] == sum(m.possible for m in marks)
        assert c.present[row] == sum(m.category is Category.PRESENT for m in marks)
        assert c.approved[row] == sum(m.category is Category.APPROVED_ACTIVITY for m in marks)
        assert c.authorised[row] == sum(m.category is Category.AUTHORISED for m in marks)
        assert c.unauthorised[row] == sum(m.category is Category.UNAUTHORISED for m in marks)
        assert c.late[row] == sum(m.late for m in marks)
