"""How Casework phrases counts, percentages and case details for people to read."""

from __future__ import annotations

from casework import text
from casework.cli.console import share_out


def test_a_count_takes_its_noun_in_the_right_number() -> None:
    assert text.counted(1, "pupil") == "1 pupil"
    assert [text.counted(n, "case") for n in (0, 2)] == ["0 cases", "2 cases"]
    assert text.counted(3, "child", "children") == "3 children"


def test_a_percentage_has_two_places_and_nothing_for_nothing_to_divide() -> None:
    assert (text.percent(89.655172), text.percent(100.0), text.percent(None)) == (
        "89.66%",
        "100.00%",
        "",
    )


def test_a_yes_no_detail_of_a_case_reads_yes_or_no() -> None:
    assert text.detail_line("holiday", False) == "Holiday: no"
    assert text.detail_line("safeguarding", True) == "Safeguarding: yes"
    assert text.detail_line("full_amount", 160.0) == "Full amount: £160.00"


def test_short_columns_get_all_they_need_before_a_long_one_shares_the_rest() -> None:
    # A trigger (22) and roles (33) on one line each; the label and the reasons share the rest.
    widths = share_out(120, [12, 22, 14, 10], [40, 22, 300, 33])
    assert (widths[1], widths[3], sum(widths)) == (22, 33, 120)
    assert abs(widths[0] - widths[2]) <= 2
    # Too little room for all: each column still gets its longest word.
    least = [12, 22, 14, 10]
    widths = share_out(67, least, [65, 63, 300, 33])
    assert sum(widths) == 67 and all(w >= n for w, n in zip(widths, least, strict=True))
