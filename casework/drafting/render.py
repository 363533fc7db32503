"""Rendering a letter: its Jinja template (the school's own, or ours) to HTML, and HTML to PDF."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)

from casework.drafting.catalogue import LETTERS
from casework.register.codes import lookup
from casework.register.school import SchoolConfig, SchoolFileError
from casework.text import long_date, money

LETTERS_DIR = Path(str(files("casework.letters")))


class RenderError(ValueError):
    """A template that cannot be rendered (a school's own with a mistake, or a fact it asks
    for that Casework does not have): the message names the template and what is wrong."""


def _day(value: Any) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return long_date(value)


def _percent(value: Any) -> str:
    """`82.8%`; a whole threshold as `90%`."""
    number = float(value)
    return f"{number:.0f}%" if number == int(number) else f"{number:.1f}%"


def _sessions(count: Any) -> str:
    return f"{count} session" if int(count) == 1 else f"{count} sessions"


def _code_meaning(code: str) -> str:
    try:
        return lookup(code).meaning
    except (KeyError, ValueError):
        return code


def _session_words(session: str) -> str:
    return {"AM": "morning", "PM": "afternoon"}.get(session, session)


def _date_range(start: Any, end: Any) -> str:
    """`3 September to 28 November 2025`: a period, its year said once when it is one."""
    first = date.fromisoformat(start) if isinstance(start, str) else start
    last = date.fromisoformat(end) if isinstance(end, str) else end
    if first == last:
        return long_date(first)
    if first.year == last.year:
        return f"{first.day} {first:%B} to {long_date(last)}"
    return f"{long_date(first)} to {long_date(last)}"


def _weekday(value: Any) -> str:
    """`Tuesday`: the day of the week a meeting falls on."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value:%A}"


def _school_days(sessions: Any) -> str:
    """Sessions as school days, two a day: `half a day`, `1 day`, `2½ days`."""
    whole, half = divmod(int(sessions), 2)
    if whole == 0:
        return "half a day" if half else "no days"
    days = f"{whole}½" if half else str(whole)
    return f"{days} day" if (whole, half) == (1, 0) else f"{days} days"


def _environment(overrides: tuple[tuple[str, str], ...]) -> Environment:
    env = Environment(
        loader=ChoiceLoader([DictLoader(dict(overrides)), FileSystemLoader(str(LETTERS_DIR))]),
        # Every value is text to show, never markup: a name like "<b>" prints as written.
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,  # a fact the template asks for and we lack: refuse, no gap
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        long_date=_day,
        money=money,
        percent=_percent,
        sessions=_sessions,
        code_meaning=_code_meaning,
        session_words=_session_words,
        weekday=_weekday,
        date_range=_date_range,
        school_days=_school_days,
    )
    return env


@cache
def _cached_environment(overrides: tuple[tuple[str, str], ...]) -> Environment:
    return _environment(overrides)


def template_sources(school_letters: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A school's own templates (`[letters]` in its file) as the loader reads them."""
    return tuple(
        sorted(
            (f"{letter}.html", str(entry["source"]))
            for letter, entry in school_letters.items()
            if isinstance(entry, dict) and "source" in entry
        )
    )


def check_school_letters(config: SchoolConfig) -> None:
    """Refuse a school's own letter templates (`[letters]`) for a letter Casework does not
    draft, or that Jinja cannot read (naming the file and line)."""
    letters = config.extra.get("letters", {})
    if not isinstance(letters, dict):
        raise SchoolFileError(f"school {config.urn}: letters must be a table of template files")
    for letter_id, entry in letters.items():
        file = entry.get("file", letter_id) if isinstance(entry, dict) else letter_id
        if letter_id not in LETTERS:
            raise SchoolFileError(
                f"school {config.urn}: letters.{letter_id}: no such letter "
                f"(letters: {', '.join(LETTERS)})"
            )
        if not isinstance(entry, dict) or not isinstance(entry.get("source"), str):
            raise SchoolFileError(
                f"school {config.urn}: letters.{letter_id}: the template {file} was not read"
            )
        try:
            _environment(()).parse(entry["source"])
        except TemplateSyntaxError as error:
            raise SchoolFileError(
                f"school {config.urn}: letters.{letter_id}: {file}, line {error.lineno}: "
                f"{error.message}"
            ) from None


def render_html(
    letter_id: str, facts: Mapping[str, Any], overrides: tuple[tuple[str, str], ...] = ()
) -> str:
    """The letter as an HTML page (the preview, and what the PDF is made from)."""
    env = _cached_environment(overrides)
    try:
        return env.get_template(f"{letter_id}.html").render(**facts)
    except UndefinedError as error:
        raise RenderError(f"letter {letter_id} cannot be drafted: {error.message}") from None
    except TemplateNotFound as error:
        raise RenderError(f"letter {letter_id}: no template {error.name}") from None
    except TemplateError as error:
        raise RenderError(f"letter {letter_id}: {error}") from None


def render_document(template: str, context: Mapping[str, Any]) -> str:
    """Another document from the letters folder (the LA evidence pack) as HTML."""
    env = _cached_environment(())
    try:
        return env.get_template(template).render(**context)
    except TemplateError as error:
        raise RenderError(f"{template}: {error}") from None


def html_to_pdf(html: str) -> bytes:
    """A4 PDF of an HTML page from the letters folder (its stylesheet and images beside it)."""
    import weasyprint  # slow to import: only the commands that print pay for it

    pdf: bytes = weasyprint.HTML(string=html, base_url=str(LETTERS_DIR)).write_pdf()
    return pdf


def join_pdfs(pdfs: Iterable[bytes]) -> bytes:
    """One PDF of several, page after page, each unchanged (a sent letter stays as it was)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sha256(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()
