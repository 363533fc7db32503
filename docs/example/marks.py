"""Writes the worked example's register: a pupil who misses every Monday from November."""

from datetime import date
from pathlib import Path

from casework.register.calendar import SchoolCalendar
from casework.register.school import load_school

here = Path(__file__).parent
calendar = SchoolCalendar(load_school(here / "school.toml").terms)
rows = ["upn,date,session,code,minutes_late,comment"]
for day in calendar.school_days(date(2025, 9, 3), date(2026, 3, 27)):
    for session in ("AM", "PM"):
        code = "/" if session == "AM" else "\\"
        if day >= date(2025, 11, 3) and day.weekday() == 0:
            code = "O"
        rows.append(f"B801200005001,{day},{session},{code},,")
(here / "marks.csv").write_text("\n".join(rows) + "\n")
