"""The 2025/26 school year the unit tests build calendars, registers and facts on.

The terms of tests/data/school.toml: autumn from Wednesday 3 September 2025, spring from
Monday 5 January 2026 (an INSET day, unless a module wants the spring term without it), summer
to Wednesday 22 July 2026. Bank holidays in term: Monday 4 May 2026 (Monday 25 May falls in the
summer half term).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from casework.register.calendar import SchoolCalendar
from casework.register.school import DateRange, Term

INSET = date(2026, 1, 5)  # the first day of the spring term

AUTUMN = Term(
    "Autumn",
    date(2025, 9, 3),
    date(2025, 12, 19),
    DateRange(date(2025, 10, 27), date(2025, 10, 31)),
)
SPRING = Term(
    "Spring",
    date(2026, 1, 5),
    date(2026, 3, 27),
    DateRange(date(2026, 2, 16), date(2026, 2, 20)),
    inset_days=(INSET,),
)
SPRING_WITHOUT_INSET = replace(SPRING, inset_days=())
SUMMER = Term(
    "Summer",
    date(2026, 4, 13),
    date(2026, 7, 22),
    DateRange(date(2026, 5, 25), date(2026, 5, 29)),
)

TERMS = (AUTUMN, SPRING, SUMMER)
TERMS_WITHOUT_INSET = (AUTUMN, SPRING_WITHOUT_INSET, SUMMER)
CALENDAR = SchoolCalendar(TERMS)
CALENDAR_WITHOUT_INSET = SchoolCalendar(TERMS_WITHOUT_INSET)

# A register window holding the whole school year.
YEAR_START, YEAR_END = date(2025, 9, 1), date(2026, 7, 31)

# -- the next school year, for runs of absence that go on across the summer ------------------

# Autumn 2026 from Thursday 3 September: a run of absence from Monday 13 July 2026 has 8 school
# days in July and reaches its 20th school day on Friday 18 September 2026.
AUTUMN_2026 = Term(
    "Autumn",
    date(2026, 9, 3),
    date(2026, 12, 18),
    DateRange(date(2026, 10, 26), date(2026, 10, 30)),
)
TWO_YEARS = SchoolCalendar((*TERMS_WITHOUT_INSET, AUTUMN_2026))
