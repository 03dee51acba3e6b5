"""Tenant claims on both databases: two jobs drawing the same names get each name once, a refused name
stays the other job's, and a cleaned-up job's names are free again."""

from __future__ import annotations

from tenantsim.store import claims_repo
from tenantsim.store.claims_repo import SqlClaims
from tenantsim.store.engine import make_engine, upgrade

TENANT = "okta:acme.okta.com"


def test_each_name_goes_to_one_job_until_it_is_released(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    first, second = SqlClaims(engine, "job_a"), SqlClaims(engine, "job_b")

    assert first.claim_many(TENANT, "user", ["ana@x.com", "bo@x.com"]) == {"ana@x.com", "bo@x.com"}
    assert second.claim_many(TENANT, "user", ["bo@x.com", "cy@x.com"]) == {"cy@x.com"}
    assert not second.claim(TENANT, "user", "ana@x.com")
    assert first.claim(TENANT, "user", "ana@x.com")  # again: still its own
    assert second.claim("okta:other.okta.com", "user", "ana@x.com")  # another tenant, another name
    assert second.claim(TENANT, "group", "ana@x.com")  # another kind of name

    claims_repo.release_job(engine, "job_a")
    assert SqlClaims(engine, "job_b").claim(TENANT, "user", "ana@x.com")
    assert not SqlClaims(engine, "job_a").claim(TENANT, "user", "ana@x.com")
    engine.dispose()
