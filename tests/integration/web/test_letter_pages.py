"""Letters in the browser: drafted on the case page, read as a page and a PDF, recorded sent,
refused with each missing fact where the form is, and listed on the worklist to print."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

from casework.services import cases
from casework.services.letters import drafts
from casework.store.database import Database
from tests.integration.services.test_letters import ABSENT
from tests.support.actions import as_user
from tests.support.dates import d
from tests.support.escalations import referred_to_la
from tests.support.letters import PARENTS, text_of
from tests.support.rows import TableRows, table_rows
from tests.support.web import app_client, bearer, csrf, signed_in
from tests.support.world import AO, HEAD, LA, MOTHER, TEACHER, World

TODAY = date(2025, 11, 28)
LETTERS = {"hx-request": "true", "hx-target": "case-letters"}
CASE = {"hx-request": "true", "hx-target": "case-body"}
FATHER = "Dan Generated"


def concern(db: Database, world: World, contacts: list[Any] = PARENTS) -> int:
    """A concern opened by hand for a pupil absent in November (no letter drafted yet: the
    sweep would have drafted its rule's)."""
    upn = world.pupil(contacts=contacts)
    world.marks(upn, d("2025-09-03"), d("2025-11-28"), ABSENT)
    return cases.open_case(
        db, upn=upn, kind="attendance_concern", who=as_user(db, AO), today=TODAY
    ).id


def stored(db: Database) -> TableRows:
    """Every table but the browser sessions (their expiry moves on with every request)."""
    return {name: rows for name, rows in table_rows(db).items() if name != "web_session"}


def drafted(db: Database, case_id: int, template: str = "below_90") -> list[drafts.LetterView]:
    return drafts.draft_letters(
        db, case_id=case_id, template=template, who=as_user(db, AO), today=TODAY
    )


def row_of(page: str, letter_id: int) -> str:
    """The letters table's row of one letter."""
    start = page.index(f'id="letter-{letter_id}"')
    return page[start : page.index("</tr>", start)]


def test_a_letter_drafted_by_form_is_listed_on_the_case_with_its_addressees(
    db: Database, world: World
) -> None:
    case_id = concern(db, world)
    with signed_in(db, AO, TODAY) as client:
        page = client.get(f"/cases/{case_id}")
        assert "No letters drafted on this case yet." in page.text
        assert f'action="/cases/{case_id}/letters"' in page.text
        assert '<option value="below_90">Attendance below 90%</option>' in page.text
        response = client.post(
            f"/cases/{case_id}/letters",
            data={"template": "below_90", "_csrf_token": csrf(client)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/cases/{case_id}#letters"
        page = client.get(f"/cases/{case_id}")
    letters = drafts.list_letters(db, who=as_user(db, AO), case_id=case_id)
    assert sorted(x.addressee for x in letters) == sorted([MOTHER, FATHER])
    for letter in letters:
        row = row_of(page.text, letter.id)
        assert "Attendance below 90%" in row and letter.addressee in row
        assert "28 Nov 2025" in row and "Drafted" in row
        assert f'href="/letters/{letter.id}"' in row and f'href="/letters/{letter.id}.pdf"' in row
        assert f'action="/letters/{letter.id}/send"' in row


def test_drafting_with_htmx_swaps_the_letters_section_alone(db: Database, world: World) -> None:
    case_id = concern(db, world)
    with signed_in(db, AO, TODAY) as client:
        response = client.post(
            f"/cases/{case_id}/letters",
            data={"template": "attendance_report"},
            headers={**LETTERS, "x-csrftoken": csrf(client)},
        )
    assert response.status_code == 200
    assert "<html" not in response.text and "Next steps" not in response.text
    assert "2 letters drafted" in response.text
    assert response.text.count("Attendance report") >= 2
    assert 'hx-target="#case-letters"' in response.text  # the form comes back, to draft again


def test_a_refused_draft_names_each_missing_fact_where_the_form_is_and_stores_nothing(
    db: Database, world: World
) -> None:
    case_id = concern(db, world, contacts=[("Gwen Only", "Grandmother", False, False, "")])
    with signed_in(db, AO, TODAY) as client:
        before = stored(db)
        response = client.post(
            f"/cases/{case_id}/letters",
            data={"template": "below_90"},
            headers={**LETTERS, "x-csrftoken": csrf(client)},
        )
        assert stored(db) == before
        plain = client.post(
            f"/cases/{case_id}/letters",
            data={"template": "below_90", "_csrf_token": csrf(client)},
            follow_redirects=False,
        )
    assert response.status_code == 422
    assert "<html" not in response.text
    error = response.text[response.text.index('id="letter-template-error"') :].split("</div>")[0]
    assert "This letter cannot be drafted until these are put right" in error
    assert "no contact with parental responsibility for Pupil1 Generated" in error
    assert 'aria-describedby="letter-template-hint letter-template-error"' in response.text
    assert '<option value="below_90" selected>' in response.text  # what was chosen is kept
    # Without JavaScript the whole page comes back with the same message.
    assert plain.status_code == 422 and "<html" in plain.text
    assert "no contact with parental responsibility for Pupil1 Generated" in plain.text


def test_the_preview_shows_the_letter_inside_the_page_and_the_pdf_is_the_letter(
    db: Database, world: World
) -> None:
    case_id = concern(db, world)
    first, _ = drafted(db, case_id)
    with signed_in(db, AO, TODAY) as client:
        page = client.get(f"/letters/{first.id}")
        pdf = client.get(f"/letters/{first.id}.pdf")
    assert page.status_code == 200
    assert "Sign out" in page.text  # inside the app's layout
    assert '<h1 class="govuk-heading-l">Attendance below 90%</h1>' in page.text
    (srcdoc,) = re.findall(r'srcdoc="([^"]*)"', page.text)
    letter = html.unescape(srcdoc)
    assert f"Dear {MOTHER}," in letter and "Pupil1 Generated" in letter
    assert f"100001/C{case_id}/L{first.id}" in letter
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    shown = text_of(pdf.content)
    assert f"Dear {MOTHER}" in shown and "82.8%" in shown


def test_sending_with_htmx_swaps_the_case_and_puts_the_letter_on_its_evidence(
    db: Database, world: World
) -> None:
    case_id = concern(db, world)
    first, second = drafted(db, case_id)
    with signed_in(db, AO, TODAY) as client:
        response = client.post(
            f"/letters/{first.id}/send",
            data={"channel": "hand"},
            headers={**CASE, "x-csrftoken": csrf(client)},
        )
        kept = client.get(f"/letters/{first.id}.pdf").content
    assert response.status_code == 200
    assert "<html" not in response.text and "Next steps" in response.text  # the case block
    assert "Letter recorded as sent" in response.text
    sent = row_of(response.text, first.id)
    assert "Sent" in sent and "28 Nov 2025, by hand" in sent
    assert "/send" not in sent  # no second send offered
    assert f'action="/letters/{second.id}/send"' in row_of(response.text, second.id)
    evidence = response.text[response.text.index('<h2 class="govuk-heading-m">Evidence') :]
    assert "Letter sent" in evidence.split("</table>")[0]
    (view,) = [x for x in drafts.list_letters(db, who=as_user(db, AO)) if x.id == first.id]
    assert (view.status, view.channel, view.sent_on) == ("sent", "hand", TODAY)
    assert text_of(kept).count(MOTHER) >= 1


def test_a_refused_send_says_why_in_the_letters_row_and_changes_nothing(
    db: Database, world: World
) -> None:
    case_id = concern(db, world)
    first, _ = drafted(db, case_id)
    drafts.send_letter(db, letter_id=first.id, who=as_user(db, AO), today=TODAY)
    second = drafted(db, case_id, "attendance_report")[0]
    with signed_in(db, AO, TODAY) as client:
        before = stored(db)
        again = client.post(
            f"/letters/{first.id}/send",
            data={"channel": "post"},
            headers={**CASE, "x-csrftoken": csrf(client)},
        )
        pigeon = client.post(
            f"/letters/{second.id}/send",
            data={"channel": "pigeon"},
            headers={**CASE, "x-csrftoken": csrf(client)},
        )
        assert stored(db) == before
    assert again.status_code == 422
    assert "govuk-error-message" in row_of(again.text, first.id)
    assert f"Letter {first.id} was already sent on 2025-11-28" in row_of(again.text, first.id)
    assert pigeon.status_code == 422
    row = row_of(pigeon.text, second.id)
    assert "govuk-form-group--error" in row
    assert "Channel must be one of post, hand, email, not &#39;pigeon&#39;" in row


def test_sending_without_javascript_redirects_to_the_case_letters(
    db: Database, world: World
) -> None:
    case_id = concern(db, world)
    first, _ = drafted(db, case_id)
    with signed_in(db, HEAD, TODAY) as client:
        response = client.post(
            f"/letters/{first.id}/send",
            data={"channel": "post", "_csrf_token": csrf(client)},
            follow_redirects=False,
        )
        preview = client.get(f"/letters/{first.id}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{case_id}#letters"
    assert "Sent" in preview.text and "by post" in preview.text
    assert f'action="/letters/{first.id}/send"' not in preview.text


def test_a_teacher_reads_the_letters_and_is_offered_no_form(db: Database, world: World) -> None:
    case_id = concern(db, world)
    first, _ = drafted(db, case_id)
    with signed_in(db, TEACHER, TODAY) as client:
        page = client.get(f"/cases/{case_id}")
        preview = client.get(f"/letters/{first.id}")
        token = {"_csrf_token": csrf(client)}
        before = stored(db)
        refused = [
            client.post(f"/cases/{case_id}/letters", data={"template": "below_90", **token}),
            client.post(f"/letters/{first.id}/send", data={"channel": "post", **token}),
            client.get("/letters/batch.pdf"),
        ]
        assert stored(db) == before
    assert f'href="/letters/{first.id}"' in row_of(page.text, first.id)
    assert "/send" not in page.text and f'action="/cases/{case_id}/letters"' not in page.text
    assert preview.status_code == 200 and "Record the letter sent" not in preview.text
    assert [r.status_code for r in refused] == [403, 403, 403]


def test_letters_of_a_case_out_of_reach_are_not_found(db: Database, world: World) -> None:
    case_id = concern(db, world)  # not referred: the LA does not see it
    first, _ = drafted(db, case_id)
    with signed_in(db, LA, TODAY) as client:
        token = {"_csrf_token": csrf(client)}
        before = stored(db)
        got = [
            client.get(f"/letters/{first.id}").status_code,
            client.get(f"/letters/{first.id}.pdf").status_code,
            client.post(f"/letters/{first.id}/send", data={"channel": "post", **token}).status_code,
            client.post(
                f"/cases/{case_id}/letters", data={"template": "below_90", **token}
            ).status_code,
        ]
        assert stored(db) == before
    assert got == [404, 404, 404, 404]


def test_a_referred_case_page_lists_its_letters_for_the_la_and_the_school_alike(
    db: Database, world: World
) -> None:
    _pupil, case_id = referred_to_la(db, world)
    listed = drafts.case_letters(db, case_id=case_id, who=as_user(db, AO))
    assert [v.template for v in listed].count("formal_referral") == 1
    for username in (LA, AO):
        with signed_in(db, username, TODAY) as client:
            page = client.get(f"/cases/{case_id}").text
        assert [int(n) for n in re.findall(r'id="letter-(\d+)"', page)] == [v.id for v in listed]


def test_a_letter_address_that_is_not_a_number_is_not_found(db: Database, world: World) -> None:
    with signed_in(db, AO, TODAY) as client:
        got = [client.get(p).status_code for p in ("/letters/x", "/letters/1x.pdf", "/letters/9")]
    assert got == [404, 404, 404]


def test_the_worklist_lists_the_letters_to_send_and_prints_them_in_one_pdf(
    db: Database, world: World
) -> None:
    case_id = concern(db, world)
    first, second = drafted(db, case_id)
    drafts.send_letter(db, letter_id=first.id, who=as_user(db, AO), today=TODAY)
    with signed_in(db, AO, TODAY) as client:
        page = client.get("/")
        batch = client.get("/letters/batch.pdf?date=2025-11-28")
        none_then = client.get("/letters/batch.pdf?date=2025-11-27")
    section = page.text.split("Drafted letters to send", 1)[1].split(
        "Letters and notifications", 1
    )[0]
    assert '<span class="govuk-tag">1</span>' in section
    assert f'href="/cases/{case_id}#letters">Pupil1 Generated</a>' in section
    assert f'href="/letters/{second.id}">Attendance below 90%' in section
    assert FATHER in section and MOTHER not in section  # the sent one is not listed
    assert 'href="/letters/batch.pdf?date=2025-11-28"' in section
    assert batch.status_code == 200 and batch.headers["content-type"] == "application/pdf"
    assert "attachment" in batch.headers["content-disposition"]
    shown = text_of(batch.content)
    assert f"Dear {FATHER}" in shown and f"Dear {MOTHER}" not in shown
    assert none_then.status_code == 422 and "no drafted letters to print dated" in none_then.text


def test_the_worklist_says_when_there_is_no_letter_to_send(db: Database, world: World) -> None:
    with signed_in(db, AO, TODAY) as client:
        page = client.get("/")
    assert "No drafted letters waiting to be sent." in page.text
    assert "/letters/batch.pdf" not in page.text


def test_the_api_drafts_and_lists_a_case_letters_as_the_cli_prints_them(
    db: Database, world: World
) -> None:
    case_id = concern(db, world)
    with app_client(db, TODAY) as client:
        drafted = client.post(
            f"/api/cases/{case_id}/letters",
            json={"template": "below_90"},
            headers=bearer(db, AO),
        )
        listed = client.get(f"/api/cases/{case_id}/letters", headers=bearer(db, TEACHER))
        refused = client.post(
            f"/api/cases/{case_id}/letters",
            json={"template": "below_90"},
            headers=bearer(db, TEACHER),
        )
        unknown = client.post(
            f"/api/cases/{case_id}/letters", json={"template": "red"}, headers=bearer(db, AO)
        )
        hidden = client.get(f"/api/cases/{case_id}/letters", headers=bearer(db, LA))
    assert drafted.status_code == 201
    assert [x["addressee"] for x in drafted.json()] == [MOTHER, FATHER]
    assert drafted.json()[0]["date"] == "2025-11-28" and drafted.json()[0]["status"] == "drafted"
    views = drafts.list_letters(db, who=as_user(db, AO), case_id=case_id)
    assert listed.status_code == 200 and listed.json() == [x.as_dict() for x in views]
    assert refused.status_code == 403
    assert unknown.status_code == 422 and "no letter 'red'" in unknown.json()["error"]
    assert hidden.status_code == 404  # the case has not reached the LA


def test_a_refused_api_draft_names_each_missing_fact_and_stores_nothing(
    db: Database, world: World
) -> None:
    case_id = concern(db, world, contacts=[("Gwen Only", "Grandmother", False, False, "")])
    headers = bearer(db, AO)
    with app_client(db, TODAY) as client:
        before = stored(db)
        response = client.post(
            f"/api/cases/{case_id}/letters", json={"template": "below_90"}, headers=headers
        )
        assert stored(db) == before
    assert response.status_code == 422
    assert (
        "no contact with parental responsibility for Pupil1 Generated" in response.json()["error"]
    )
