"""Letters in the browser: drafted on a case from the catalogue, read as a page or a PDF,
recorded sent, and the day's drafted letters printed in one PDF.

The case page's letters section is swapped in place by htmx (the whole case after a letter is
sent, since sending records it on the case); without JavaScript the forms post and redirect.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from casework.machines.roles import may
from casework.services.errors import LetterError, LetterNotFoundError
from casework.services.letters import drafts
from casework.web.auth import requires
from casework.web.pages.cases import Form, case_page
from casework.web.pages.layout import page
from casework.web.provide import DB, Today, Who

# Who drafts and sends letters in the browser: the people the letter services let send them.
LETTER_WRITERS = requires(*sorted(drafts.SENDERS))
PDF = "application/pdf"


def refusal(error: LetterError) -> dict[str, Any]:
    """A refusal as the page shows it: what cannot be done, and each missing fact apart (the
    service names them after "cannot be drafted: ", each saying how to put it right)."""
    message = str(error)
    head, _, missing = message.partition(": ")
    if head.endswith("cannot be drafted") and missing:
        return {
            "message": "This letter cannot be drafted until these are put right",
            "reasons": missing.split("; "),
        }
    return {"message": message[:1].upper() + message[1:], "reasons": []}


@post("/cases/{case_id:int}/letters", sync_to_thread=True, guards=[LETTER_WRITERS])
def draft_letter(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    case_id: FromPath[int],
    data: Form,
) -> Template | Redirect:
    """Draft the chosen letter, dated today, to each of its addressees."""
    template = str(data.get("template", ""))
    try:
        drafted = drafts.draft_letters(db, case_id=case_id, template=template, who=who, today=today)
    except LetterError as error:
        problem = {"letters": "draft", "template": template, **refusal(error)}
        return case_page(request, db, who, today, case_id, problem=problem, status_code=422)
    if request.headers.get("hx-request"):
        return case_page(request, db, who, today, case_id, done=f"letters:{len(drafted)}")
    return Redirect(f"/cases/{case_id}#letters", status_code=303)


@post("/letters/{letter_id:int}/send", sync_to_thread=True, guards=[LETTER_WRITERS])
def send_letter(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    letter_id: FromPath[int],
    data: Form,
) -> Template | Redirect:
    """Record a drafted letter sent today by the chosen channel (its PDF is kept as sent)."""
    letter = drafts.letter_view(db, letter_id=letter_id, who=who)
    try:
        drafts.send_letter(
            db, letter_id=letter_id, who=who, today=today, channel=str(data.get("channel", ""))
        )
    except LetterNotFoundError:
        raise  # out of reach: 404
    except LetterError as error:
        if letter.case_id is None:
            raise
        problem = {"letters": letter_id, **refusal(error)}
        return case_page(request, db, who, today, letter.case_id, problem=problem, status_code=422)
    if letter.case_id is None:
        return Redirect(f"/letters/{letter_id}", status_code=303)
    if request.headers.get("hx-request"):
        return case_page(request, db, who, today, letter.case_id, done=f"sent:{letter_id}")
    return Redirect(f"/cases/{letter.case_id}#letters", status_code=303)


@get("/letters/batch.pdf", sync_to_thread=True, guards=[LETTER_WRITERS])
def batch(
    db: DB, who: Who, on: Annotated[date | None, QueryParameter(name="date")] = None
) -> Response[bytes]:
    """Every drafted, unsent letter (of one date, when given) in one PDF to print."""
    pdf, _count = drafts.batch_pdf(db, who=who, on=on)
    name = f"letters-{on.isoformat()}.pdf" if on else "letters.pdf"
    disposition = f'attachment; filename="{name}"'
    return Response(pdf, media_type=PDF, headers={"Content-Disposition": disposition})


@get("/letters/{letter:str}", sync_to_thread=True)
def show_letter(db: DB, who: Who, letter: FromPath[str]) -> Template | Response[bytes]:
    """`/letters/12`: the letter inside the app's page; `/letters/12.pdf`: its PDF, the kept
    one once sent. (One route for both: a path parameter takes a whole segment.)"""
    number, dot_pdf = letter.removesuffix(".pdf"), letter.endswith(".pdf")
    if not number.isdigit():
        raise NotFoundException()
    letter_id = int(number)
    if dot_pdf:
        pdf = drafts.letter_pdf(db, letter_id=letter_id, who=who)
        disposition = f'inline; filename="letter-{letter_id}.pdf"'
        return Response(pdf, media_type=PDF, headers={"Content-Disposition": disposition})
    view = drafts.letter_view(db, letter_id=letter_id, who=who)
    html = drafts.letter_html(db, letter_id=letter_id, who=who)
    sends = may(who.role, drafts.SENDERS)
    return page(
        "letter.html", who, "/cases", letter=view, html=html, sends=sends, channels=drafts.CHANNELS
    )


ROUTES = [draft_letter, send_letter, batch, show_letter]
