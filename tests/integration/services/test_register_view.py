"""The pupil page's read model: the year's calendar by school week, figures, trend and reach."""

from __future__ import annotations

import pytest

from casework.services.errors import PupilNotFoundError
from casework.services.register.statistics import pupil_statistics
from casework.services.register_view import pupil_page
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.dates import d
from tests.support.escalations import referred_to_la
from tests.support.world import AO, LA, LA_ELSEWHERE, TEACHER, World

TODAY = d("2025-11-20")


def test_the_calendar_lays_out_the_school_year_by_week_with_each_mark(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    world.marks(
        pupil, d("2025-09-03"), d("2025-11-19"), {d("2025-11-10"): "O", d("2025-11-11"): "I"}
    )
    view = pupil_page(db, who=as_user(db, AO), upn=pupil, today=TODAY)
    assert view.pupil.name == "Pupil1 Generated" and view.year_label == "2025/26"
    # Rows are the school weeks of the year (half term and holidays have none).
    mondays = [w.monday for w in view.weeks]
    assert mondays[0] == d("2025-09-01") and d("2025-10-27") not in mondays
    week = next(w for w in view.weeks if w.monday == d("2025-11-10"))
    monday, tuesday = week.days[0], week.days[1]
    assert [(c.session, c.code, c.shown_as) for c in monday.cells] == [
        ("AM", "O", "unauthorised"),
        ("PM", "O", "unauthorised"),
    ]
    assert {c.shown_as for c in tuesday.cells} == {"authorised"}
    assert (week.possible, week.attending) == (10, 6)
    # Monday 1 and Tuesday 2 September are before the first school day: no school.
    assert [d_.school_day for d_ in view.weeks[0].days] == [False, False, True, True, True]
    # Today has no mark yet; the rest of this week is in the future, later weeks are not shown.
    today = next(c for w in view.weeks for x in w.days for c in x.cells if c.day == TODAY)
    assert (today.code, today.shown_as) == ("", "none")
    later = view.cell(d("2025-11-21"), "AM")
    assert later is not None and later.future
    assert view.weeks[-1].monday == d("2025-11-17") and view.cell(d("2025-12-01"), "AM") is None
    assert {c.code for c in view.codes_seen} == {"/", "\\", "O", "I"}


def test_the_figures_are_the_statistics_service_s_and_the_trend_is_per_half_term(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2025-11-19"), {d("2025-11-10"): "O"})
    view = pupil_page(db, who=as_user(db, AO), upn=pupil, today=TODAY)
    _school, expected = pupil_statistics(db, pupil, TODAY, who=as_user(db, AO))
    assert view.stats == expected
    assert [(t.name, t.start, t.end, t.possible, t.attending, t.rate) for t in view.trend] == [
        ("Autumn 1", d("2025-09-03"), d("2025-10-24"), 76, 76, 100.0),
        ("Autumn 2", d("2025-11-03"), d("2025-11-20"), 26, 24, 92.3),
    ]


def test_teachers_read_their_school_s_pupils(db: Database, world: World) -> None:
    pupil = world.pupil()
    assert pupil_page(db, who=as_user(db, TEACHER), upn=pupil, today=TODAY).pupil.upn == pupil


def test_an_la_officer_reads_a_pupil_only_once_a_case_reached_the_la(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    with pytest.raises(PupilNotFoundError):
        pupil_page(db, who=as_user(db, LA), upn=pupil, today=TODAY)
    referred, _cid = referred_to_la(db, world)
    view = pupil_page(db, who=as_user(db, LA), upn=referred, today=d("2026-02-04"))
    assert [c.kind_title for c in view.cases] == ["Attendance concern"]
    with pytest.raises(PupilNotFoundError):
        pupil_page(db, who=as_user(db, LA_ELSEWHERE), upn=referred, today=d("2026-02-04"))
