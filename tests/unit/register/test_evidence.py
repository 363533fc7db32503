"""A finding's evidence: the cited marks kept compactly and built only when read (issue 11)."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.policy.loader import load_policy
from casework.policy.rules import evaluate_policy
from casework.register.codes import CODE_ID, CODES
from casework.register.marks import ABSENT, Evidence, Mark, Register, cited_codes
from tests.support.calendar import CALENDAR as CAL
from tests.support.calendar import YEAR_END, YEAR_START

CODE_IDS = sorted(CODE_ID[c.code] for c in CODES)


def register_of(rows: list[list[int]]) -> Register:
    reg = Register(CAL, YEAR_START, YEAR_END, [f"p{i}" for i in range(len(rows))])
    for row, ids in enumerate(rows):
        reg.codes[row, : len(ids)] = ids
    return reg


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([0, *CODE_IDS]), min_size=0, max_size=60),
    st.integers(0, 30),
    st.integers(0, 60),
)
def test_evidence_reads_as_the_marks_it_cites(ids: list[int], lo: int, width: int) -> None:
    reg = register_of([ids])
    hi = lo + width
    evidence = reg.evidence_where(0, ABSENT, lo, hi)
    marks = reg.marks_where(0, ABSENT, lo, hi)
    assert len(evidence) == len(marks)
    assert evidence == tuple(marks)
    assert list(evidence) == marks
    assert [evidence[i] for i in range(len(evidence))] == marks
    assert evidence[1:3] == tuple(marks[1:3])
    assert cited_codes(evidence) == [m.code for m in marks]
    assert hash(evidence) == hash(tuple(marks))


def test_evidence_of_given_columns_skips_sessions_with_no_mark() -> None:
    reg = register_of([[CODE_ID["O"], 0, CODE_ID["G"], CODE_ID["/"]]])
    evidence = reg.evidence(0, np.array([0, 1, 2], dtype=np.intp))
    assert [m.code for m in evidence] == ["O", "G"]
    assert evidence == tuple(reg.marks(0, [0, 1, 2]))


def test_a_sweeps_findings_hold_their_marks_unbuilt_until_read() -> None:
    reg = register_of([[CODE_ID["O"]] * 40, [CODE_ID["/"]] * 40])
    findings = evaluate_policy(load_policy("national-2024"), reg, date(2025, 9, 30))
    assert findings, "a pupil absent every session of four weeks is found"
    for finding in findings:
        assert isinstance(finding.evidence, Evidence)
        assert finding.evidence._marks is None  # nothing built by the sweep itself
    first = findings[0]
    assert len(first.evidence) > 0 and first.evidence._marks is None  # counting builds none
    assert all(isinstance(m, Mark) and m.code == "O" for m in first.evidence)
    assert first.as_dict()["evidence"][0] == first.evidence[0].as_dict()


def test_evidence_goes_between_processes_as_the_same_marks() -> None:
    import pickle

    reg = register_of([[CODE_ID["O"], 0, CODE_ID["G"], CODE_ID["/"], CODE_ID["N"]]])
    evidence = reg.evidence_where(0, ABSENT)
    back = pickle.loads(pickle.dumps(evidence))
    assert isinstance(back, Evidence) and back == evidence
    assert [m.code for m in back] == ["O", "G", "N"]
