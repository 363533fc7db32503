"""The CLI starts without loading what its commands use: `casework --help` and a quick command
load no database, register, machine or letter code until a command asks for it."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "sqlalchemy",
    "numpy",
    "jinja2",
    "alembic",
    "weasyprint",
    "casework.services",
    "casework.store",
    "casework.machines.kinds",
    "casework.policy",
)


def loaded_after(code: str) -> list[str]:
    """Which of HEAVY a fresh interpreter has loaded after running `code`."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.split()


def test_the_command_line_loads_none_of_the_heavy_modules_to_start() -> None:
    assert loaded_after("import casework.cli") == []


def test_who_may_do_what_is_read_without_loading_the_lifecycles() -> None:
    assert "casework.machines.kinds" not in loaded_after("import casework.machines.roles")
    assert "casework.machines.kinds" in loaded_after(
        "from casework.machines import LIFECYCLES\nassert 'attendance_concern' in LIFECYCLES"
    )


def test_a_step_that_names_a_letter_loads_the_letters_service_itself() -> None:
    assert "jinja2" not in loaded_after("import casework.services.cases.commands")
    loaded = loaded_after(
        "from casework.services.cases import commands\n"
        "assert commands._step_drafters(), 'no drafter registered'"
    )
    assert "jinja2" in loaded
