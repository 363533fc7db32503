"""The day's work: the worklist of an attendance lead or a head, and running the sweep now."""

from __future__ import annotations

from litestar import get, post
from litestar.response import Redirect, Template

from casework.machines.roles import Role
from casework.services import daily_sweep, worklist
from casework.services.letters import drafts
from casework.services.register.schools import get_school_of
from casework.web.auth import requires
from casework.web.pages.layout import page
from casework.web.provide import DB, Today, Who

SCHOOL_STAFF = (Role.ATTENDANCE_OFFICER, Role.SENIOR_LEADER)
FIRST_PAGE = {Role.LA_OFFICER: "/referrals", Role.TEACHER: "/cases"}


@get("/", sync_to_thread=True)
def home(db: DB, who: Who, today: Today) -> Template | Redirect:
    if who.role in FIRST_PAGE:
        return Redirect(FIRST_PAGE[who.role])
    work = worklist.worklist(db, who=who, today=today)
    letters = drafts.list_letters(db, who=who, unsent=True)
    return page("worklist.html", who, "/", work=work, letters=letters)


@post("/sweep", sync_to_thread=True, guards=[requires(*SCHOOL_STAFF)])
def run_sweep(db: DB, who: Who, today: Today) -> Redirect:
    """Sweep the person's own school now, as the daily sweep would (it acts as the system)."""
    school = get_school_of(db, who)
    daily_sweep.daily_sweep(db, today, school.urn)
    return Redirect("/", status_code=303)


ROUTES = [home, run_sweep]
