"""What every page has: the person signed in, their navigation, and the page's template."""

from __future__ import annotations

from typing import Any

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar.response import Template

from casework.machines.roles import Role
from casework.services.reach import Actor

NAVIGATION: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.ATTENDANCE_OFFICER: (("/", "Worklist"), ("/cases", "Cases")),
    Role.SENIOR_LEADER: (("/", "Worklist"), ("/approvals", "Approvals"), ("/cases", "Cases")),
    Role.LA_OFFICER: (("/referrals", "Referrals"), ("/cases", "Cases")),
    Role.TEACHER: (("/cases", "Cases"),),
}


def page(
    template: str,
    who: Actor | None,
    current: str = "",
    status_code: int = 200,
    block: str | None = None,
    **context: Any,
) -> Template:
    """A full page, or one block of it (what an htmx request swaps in)."""
    navigation = NAVIGATION.get(who.role, ()) if who else ()
    full = {"who": who, "navigation": navigation, "current": current, **context}
    if block is not None:
        return HTMXBlockTemplate(
            template_name=template, block_name=block, context=full, status_code=status_code
        )
    return Template(template, context=full, status_code=status_code)
