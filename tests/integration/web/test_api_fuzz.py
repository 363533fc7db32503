"""The API, fuzzed from its own OpenAPI document against the demo school: never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from casework import demo
from casework.demo.builder import DEMO_USERS
from casework.drafting.catalogue import LETTERS
from casework.machines import LIFECYCLES
from casework.machines.evidence import EVIDENCE_KINDS
from casework.services import cases, daily_sweep
from casework.services.access import sign_in, users
from casework.store.database import Database
from casework.web.app import create_app
from tests.support.databases import POSTGRES_URL, scratch_postgres

AS_OF = date(2026, 3, 20)
SEED = 7
EXAMPLES = 100  # per operation: enough to reach every handler's refusals in well under a minute


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The demo school as of AS_OF with its users and the sweep's cases, in a database of its
    own (on PostgreSQL too, so the per-test clean-up of the shared database never empties it)."""
    if POSTGRES_URL:
        own = scratch_postgres(POSTGRES_URL, "casework_fuzz")
    else:
        own = nullcontext(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'casework.sqlite'}")
    with own as url:
        db = Database(url)
        db.migrate()
        built = demo.build_demo(db, AS_OF, SEED)
        demo.ensure_demo_users(db, built.demo.config)
        daily_sweep.daily_sweep(db, AS_OF, built.demo.config.urn)
        yield db
        db.dispose()


@pytest.fixture(scope="module")
def tokens(demo_db: Database) -> list[str]:
    """Tokens of the demo's attendance lead, head and LA officer: each may take other steps."""
    return [sign_in.issue_token(demo_db, username) for username, _role in DEMO_USERS]


@pytest.fixture(scope="module")
def upns(demo_db: Database) -> list[str]:
    who = users.system_actor(demo_db)
    return sorted({c.upn for c in cases.list_cases(demo_db, who=who, include_closed=True)})


@pytest.fixture(scope="module")
def api_schema(demo_db: Database) -> Any:
    app = create_app(demo_db, secret="fuzz-secret-" * 4, today=lambda: AS_OF)
    config = schemathesis.Config.from_dict(
        {
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES,
                "deterministic": True,
                "database": "none",
            }
        }
    )
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=config)
    return schema.include(path_regex="^/api/")


# Every operation of the API; a test below fails when the document has one not listed here.
OPERATIONS = [
    ("GET", "/api/cases"),
    ("POST", "/api/cases"),
    ("GET", "/api/cases/{case_id}"),
    ("POST", "/api/cases/{case_id}/transitions"),
    ("POST", "/api/cases/{case_id}/evidence"),
    ("GET", "/api/cases/{case_id}/letters"),
    ("POST", "/api/cases/{case_id}/letters"),
    ("GET", "/api/pupils/{upn}"),
    ("GET", "/api/worklist"),
]


def test_the_list_names_every_api_operation(api_schema: Any) -> None:
    found = {(r.ok().method.upper(), r.ok().path) for r in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


# Values a person could type, of every JSON type: the services must refuse the wrong ones.
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=12),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(date.isoformat),
)
TRIGGERS = sorted({t for machine in LIFECYCLES.values() for t in machine.triggers})
PARAMS = ["note", "outcome", "reason", "days_granted", "effective_on", "decision", "start_on"]
FIELDS = sorted({f.name for kind in EVIDENCE_KINDS.values() for f in kind.fields})
CASE_IDS = st.integers(min_value=1, max_value=50)  # the demo's cases, and a few that are not


def seeded(method: str, path: str, operation: Any, upns: list[str]) -> st.SearchStrategy[Any]:
    """Cases drawn with the demo's own ids, UPNs, triggers and evidence kinds, so that requests
    reach the services' checks and not only the validation in front of them."""
    positive = GenerationMode.POSITIVE
    if path == "/api/cases/{case_id}/transitions":
        body = st.fixed_dictionaries(
            {
                "trigger": st.sampled_from(TRIGGERS),
                "version": st.integers(min_value=1, max_value=4),
                "note": st.none() | st.text(max_size=12),
                "params": st.dictionaries(st.sampled_from(PARAMS), VALUES, max_size=3),
            }
        )
    elif path == "/api/cases/{case_id}/evidence":
        body = st.fixed_dictionaries(
            {
                "kind": st.sampled_from(sorted(EVIDENCE_KINDS)),
                "details": st.dictionaries(
                    st.sampled_from(FIELDS), VALUES | st.lists(st.text(max_size=5)), max_size=5
                ),
            },
            optional={"recorded_on": st.dates().map(date.isoformat)},
        )
    elif path == "/api/cases/{case_id}/letters" and method == "POST":
        body = st.fixed_dictionaries({"template": st.sampled_from(sorted(LETTERS))})
    elif path == "/api/cases" and method == "POST":
        opening = ["start", "end", "applicant", "requested_on", "reason", "note"]
        body = st.fixed_dictionaries(
            {
                "upn": st.sampled_from(upns) | st.text(max_size=14),
                "kind": st.sampled_from(sorted(LIFECYCLES)),
                "details": st.dictionaries(st.sampled_from(opening), VALUES, max_size=4),
            }
        )
        return body.flatmap(
            lambda b: operation.as_strategy(positive, body=b, media_type="application/json")
        )
    elif path == "/api/pupils/{upn}":
        dates = st.none() | st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
        return st.tuples(st.sampled_from(upns), dates, dates).flatmap(
            lambda t: operation.as_strategy(
                positive,
                path_parameters={"upn": t[0]},
                query={
                    k: v.isoformat() for k, v in (("as_of", t[1]), ("from", t[2])) if v is not None
                },
            )
        )
    elif path in ("/api/cases/{case_id}", "/api/cases/{case_id}/letters"):
        return CASE_IDS.flatmap(
            lambda i: operation.as_strategy(positive, path_parameters={"case_id": i})
        )
    else:
        return operation.as_strategy(positive)
    return st.tuples(CASE_IDS, body).flatmap(
        lambda t: operation.as_strategy(
            positive, path_parameters={"case_id": t[0]}, body=t[1], media_type="application/json"
        )
    )


# (pytest 9 and schemathesis' lazy `from_fixture` do not get on, so each operation's cases
# are drawn here from its strategies: what `@schema.parametrize()` would do, and more.)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_request_gets_a_server_error(
    api_schema: Any, tokens: list[str], upns: list[str], method: str, path: str
) -> None:
    operation = api_schema[path][method]
    drawn = st.one_of(
        *(operation.as_strategy(mode) for mode in GenerationMode),
        seeded(method, path, operation, upns),
    )

    @given(case=drawn, token=st.sampled_from(tokens))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any, token: str) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, (case.as_curl_command(), response.text)
        if response.status_code >= 400:
            # Every refusal is JSON that says what went wrong.
            assert "error" in response.json(), response.text

    check()
