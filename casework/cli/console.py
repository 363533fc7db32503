"""What every command shares: the consoles, common options, dates, the database and JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

if TYPE_CHECKING:
    from casework.store.database import Database

VERBOSE_WORDS = ("--verbose", "-v")


class CommandGroup(typer.core.TyperGroup):
    """Every group of commands: `-v` anywhere on the line, and help that reads as words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in [self, *self.commands.values()]:
            _words_for_placeholders(command)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # `casework case show 1 --as lead -v` as `casework -v case show 1 --as lead`: -v is
        # the top command's option, and a person adds it at the end when something went wrong.
        if ctx.parent is None:
            args = verbose_first(args)
        return super().parse_args(ctx, args)


def verbose_first(args: list[str]) -> list[str]:
    """The words with -v/--verbose moved to the front (none after `--` is moved)."""
    end = args.index("--") if "--" in args else len(args)
    head, tail = args[:end], args[end:]
    verbose = [word for word in head if word in VERBOSE_WORDS]
    return verbose[:1] + [word for word in head if word not in VERBOSE_WORDS] + tail


def _words_for_placeholders(command: Any) -> None:
    """Help that reads as words: a flag shows no placeholder (`--dry-run`, not `--dry-run
    <bool>`), and an option or argument a word for its value (`--as-of DATE`, `UPN`)."""
    help_option = command.get_help_option

    def flag_help_option(ctx: Any) -> Any:
        option = help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = flag_help_option
    for param in command.params:
        if isinstance(param, typer.core.TyperOption) and param.is_flag:
            param.metavar = "" if param.metavar is None else param.metavar
        elif isinstance(param, typer.core.TyperOption | typer.core.TyperArgument):
            # What the value is, in a word: DATE, FILE and the like where a command says so,
            # else the option's own name (--port PORT), never a type such as <str>.
            if param.metavar is None and param.name:
                param.metavar = param.name.upper()
            if isinstance(param, typer.core.TyperArgument):
                # Typer prints an argument's type (`<int>`) beside its name; the name says it.
                param.display_type_rich = _no_type  # type: ignore[method-assign]


def _no_type(ctx: Any) -> None:
    return None


# Nothing printed is read as markup: a name, a note or a file name with "[/x]" or "[white on
# white]" in it prints as written. Our own emphasis is given as styles (rich.text.Text).
out = Console(markup=False)
err = Console(stderr=True, markup=False)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        envvar="CASEWORK_DATABASE_URL",
        metavar="URL",
        help="Database URL (default: a SQLite file casework.sqlite in this folder).",
    ),
]
SchoolOption = Annotated[
    str | None,
    typer.Option(
        "--school", metavar="URN", help="URN of the school (needed with several schools)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AsOption = Annotated[
    str,
    typer.Option(
        "--as",
        envvar="CASEWORK_USER",
        metavar="USER",
        help="Your username (casework user add); CASEWORK_USER gives it once for a session.",
    ),
]
TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        metavar="DATE",
        help="Act as of this day (default: today); for replaying records.",
    ),
]
CaseIdArgument = Annotated[int, typer.Argument(metavar="CASE_ID", help="Case number.")]


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on standard error and a non-zero exit. The message is printed as text: what
    it quotes (a file name, a value typed) is never read as markup."""
    # soft_wrap: a long file:line:column must stay on one line for editors and grep
    err.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def parse_day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} {value!r} is not a date in the form YYYY-MM-DD", 2)


def today_from(value: str | None) -> date:
    """The day given with --today, or today."""
    return parse_day(value, "--today") or date.today()


def pairs(values: list[str] | None, what: str) -> dict[str, Any]:
    """KEY=VALUE options as a dict, refusing anything else by name."""
    found: dict[str, Any] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"{what} {item!r} must look like key=value", 2)
        found[key.strip()] = value.strip()
    return found


@contextmanager
def open_database(url: str | None, *, migrate: bool = False) -> Iterator[Database]:
    """The database to work on; only a command that sets it up (`migrate`) may make one, so
    that reading in the wrong folder leaves no empty database file behind."""
    # Here, not at the top: `casework --help` and the CLI's start load no database code.
    from casework.store.database import Database, sqlite_file_missing

    missing = sqlite_file_missing(url)
    if missing is not None and not migrate:
        fail(
            f"database: no database at {missing} yet (run casework init there, or give --database)"
        )
    db = Database(url)
    try:
        if migrate:
            db.migrate()
        yield db
    finally:
        db.dispose()


@contextmanager
def progress_steps(label: str) -> Iterator[Callable[[str], None]]:
    """A spinner with the current step, for anything that may take more than a second."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(label)
        yield lambda step: progress.update(task, description=f"{label}: {step}")


def print_table(table: Table, *whole: str) -> None:
    """Print a table that reads at any width from 80 columns: no word is cut short with an
    ellipsis or broken (a UPN, a trigger, a rule name), lines wrap between words, and each
    column gets room in proportion to what it has to say. Rich's own narrowing may squeeze a
    column below its longest word, so when the table is too wide the widths are set here;
    the columns named in `whole` keep their longest word even when not every column can, and
    a word longer than the others' room folds onto the next line, whole but broken."""
    columns = table.columns
    # A table's rule lines and padding: one bar between columns and at each edge, a space
    # either side of each cell.
    room = out.width - (3 * len(columns) + 1)
    shortest = [max(_longest(column, str.split), _header(column, str.split)) for column in columns]
    widest = [
        max(_longest(column, str.splitlines), _header(column, str.splitlines), least)
        for column, least in zip(columns, shortest, strict=True)
    ]
    if sum(widest) <= room:
        pass  # it fits as it is
    elif sum(shortest) <= room:
        for column, width in zip(columns, share_out(room, shortest, widest), strict=True):
            column.width = width
    else:
        for column, least in zip(columns, shortest, strict=True):
            if column.header in whole:
                column.min_width = least
            else:
                # Too many long words for the width: a word too long for its column breaks
                # over two lines rather than losing its end to an ellipsis.
                column.overflow = "fold"
    out.print(table)


def share_out(room: int, shortest: list[int], widest: list[int]) -> list[int]:
    """Widths for columns that need at least `shortest` and at most `widest`, within `room`.

    Each gets its least; then the columns that want least extra get all of it while that
    takes no more than half of what is left (a trigger and its options, a list of roles stay
    on one line each), and the rest is shared evenly among the columns still wanting, a
    column wanting less than its share taking only what it wants."""
    widths = list(shortest)
    left = room - sum(widths)
    wanting = sorted(
        (i for i in range(len(widths)) if widest[i] > widths[i]),
        key=lambda i: widest[i] - widths[i],
    )
    while wanting and widest[wanting[0]] - widths[wanting[0]] <= left // 2:
        i = wanting.pop(0)
        left -= widest[i] - widths[i]
        widths[i] = widest[i]
    while wanting and left > 0:
        share = left // len(wanting)
        content = [i for i in wanting if widest[i] - widths[i] <= share]
        if not content:
            for n, i in enumerate(wanting):
                widths[i] += share + (1 if n < left - share * len(wanting) else 0)
            break
        for i in content:
            left -= widest[i] - widths[i]
            widths[i] = widest[i]
            wanting.remove(i)
    return widths


def _longest(column: Column, parts: Callable[[str], list[str]]) -> int:
    return max((len(part) for cell in column.cells for part in parts(str(cell))), default=0)


def _header(column: Column, parts: Callable[[str], list[str]]) -> int:
    return max((len(part) for part in parts(str(column.header))), default=0)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
