"""An Okta job that signs in as an OAuth 2.0 service app (private_key_jwt) instead of with an SSWS token,
adds custom profile attributes and an MFA enrollment policy, fills the attributes from the company, and
cleans up exactly what it added — all against the emulator over real loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tenantsim.api.validation import validate_start
from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.okta import oauth
from tenantsim.connectors.okta.adapter import OktaAdapter
from tenantsim.connectors.okta.attributes import CLEARANCES, COMMON
from tenantsim.connectors.okta.connector import OktaConnector
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.connectors.spec import ConfigContext
from tenantsim.errors import AuthError, InputProblems
from tenantsim.jobs.simulation import Simulation
from tenantsim.sandbox.okta import DEFAULT_TOKEN, OktaSandbox, create_app
from tenantsim.secretbox import split_secrets
from tests.conformance.test_conformance import drive
from tests.support.clock import Clock
from tests.support.jobctx import activity_types, make_context
from tests.support.servers import serve_asgi


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OktaSandbox, str]]:
    sandbox = create_app(users=6, seed=52, window_seconds=1.0)
    with serve_asgi(sandbox) as base:
        yield sandbox, base


def service_app(sandbox: OktaSandbox, base: str) -> dict[str, Any]:
    described = sandbox.describe(base)["service_app"]
    assert described is not None
    return dict(described)


def pem_of(jwk: dict[str, Any]) -> str:
    key = RSAAlgorithm.from_jwk(jwk)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


async def test_the_token_is_renewed_before_it_expires_and_after_a_401(
        served: tuple[OktaSandbox, str]) -> None:
    sandbox, base = served
    sandbox.reset()
    app = service_app(sandbox, base)
    clock = Clock(1_000_000.0)
    auth = oauth.ServiceAppAuth(base, app["client_id"], pem_of(app["private_key"]), clock=clock,
                                scopes=("okta.users.read",), key_id=app["private_key"]["kid"])
    async with httpx.AsyncClient(base_url=base, auth=auth, timeout=10) as http:
        assert (await http.get("/api/v1/users", params={"limit": 1})).status_code == 200
        first = await auth.token()
        assert auth.fetched == 1 and auth.expires_at == clock.now + 3600
        clock.now += 3600 - oauth.RENEW_BEFORE - 1  # not yet due
        assert await auth.token() == first and auth.fetched == 1
        clock.now += 2  # within the renewal margin: a new token before the old one lapses
        second = await auth.token()
        assert second != first and auth.fetched == 2
        sandbox.org.oauth.tokens.clear()  # the org forgot it (revoked): one fresh token, the call succeeds
        assert (await http.get("/api/v1/users", params={"limit": 1})).status_code == 200
        assert auth.fetched == 3
    assert "PRIVATE" not in repr(auth)


async def test_a_refused_service_app_is_an_auth_error_that_never_shows_the_key(
        served: tuple[OktaSandbox, str]) -> None:
    sandbox, base = served
    sandbox.reset()
    app = service_app(sandbox, base)
    other = RSAAlgorithm.to_jwk(RSAAlgorithm.from_jwk(json.dumps(app["private_key"])), as_dict=True)
    auth = oauth.ServiceAppAuth(base, "0oanotregistered0000", other)
    with pytest.raises(AuthError) as refused:
        await auth.token()
    assert "invalid_client" in refused.value.message and other["d"] not in refused.value.message
    connector = OktaConnector(ConnectorRuntime(budgets=BudgetRegistry(window_seconds=1.0), sandbox_mode=True))
    user = await connector.validate_token({"org_url": base, "client_id": app["client_id"],
                                           "private_key": app["private_key"]})
    assert user.id == app["client_id"] and user.name == f"service app {app['client_id']}"


def start_body(base: str, entry: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"connection_type": "okta", "industry": "government", "org_url": base, "org_size": "startup",
            "initial_users": 30, "content_provider": "offline", "user_tokens": [entry], **extra}


def test_the_start_request_takes_a_service_app_and_seals_its_key(served: tuple[OktaSandbox, str]) -> None:
    sandbox, base = served
    app = service_app(sandbox, base)
    pem = pem_of(app["private_key"])
    ctx = ConfigContext(sandbox_mode=True)
    entry = {"name": "svc", "org_url": base, "client_id": app["client_id"], "private_key": pem}
    config = validate_start(start_body(base, entry, custom_attributes=True, sign_ins=True), ctx=ctx,
                            server_has_anthropic_key=False, industries=["government", "technology"])
    assert config["sign_ins"] is True
    assert config["user_tokens"] == [{"name": "svc", "org_url": base, "client_id": app["client_id"],
                                      "private_key": pem}]
    assert config["custom_attributes"] is True
    public, _ = split_secrets(config)
    assert pem not in json.dumps(public) and "PRIVATE KEY" not in json.dumps(public)
    # A JWK key is sealed whole: none of its private parts is left in sight.
    jwk_config = validate_start(start_body(base, {**entry, "private_key": app["private_key"]}), ctx=ctx,
                                server_has_anthropic_key=False, industries=["government"])
    shown = json.dumps(split_secrets(jwk_config)[0])
    assert app["private_key"]["d"] not in shown and app["private_key"]["p"] not in shown

    def problems(entry: dict[str, Any], **extra: Any) -> list[str]:
        with pytest.raises(InputProblems) as refused:
            validate_start(start_body(base, entry, **extra), ctx=ctx, server_has_anthropic_key=False,
                           industries=["government"])
        return list(refused.value.details)

    broken = pem.replace("A", "B", 40)
    said = problems({**entry, "private_key": broken})
    assert any("Invalid private_key" in p for p in said) and not any(broken[40:80] in p for p in said)
    assert any("not both" in p for p in problems({**entry, "token": DEFAULT_TOKEN}))
    assert any("Missing private_key" in p for p in problems({"name": "svc", "org_url": base,
                                                             "client_id": app["client_id"]}))
    assert any("unknown attribute shoeSize" in p for p in problems(entry, custom_attributes=["shoeSize"]))


async def test_a_service_app_job_fills_custom_attributes_and_cleans_up_only_what_it_added(
        served: tuple[OktaSandbox, str], tmp_path: Path) -> None:
    sandbox, base = served
    sandbox.reset()
    org = sandbox.org
    policies_before = set(org.policies)
    # The org already has a jobLevel attribute of its own: the job fills it but must never remove it.
    org.schema.custom["jobLevel"] = {"title": "Job level", "type": "integer"}
    app = service_app(sandbox, base)
    config = {**start_body(base, {"name": "svc", "org_url": base, "client_id": app["client_id"],
                                  "private_key": pem_of(app["private_key"])}, custom_attributes=True),
              "time_scale": 1e8, "max_api_capacity": 100}
    ctx = make_context(tmp_path, config, seed=13)
    connector = OktaConnector(ConnectorRuntime(budgets=BudgetRegistry(window_seconds=1.0), sandbox_mode=True))
    adapter = await connector.open_adapter(ctx)
    assert isinstance(adapter, OktaAdapter)
    service = await Simulation.open(ctx, [adapter])
    await service.build()

    wanted = [*COMMON, "clearanceLevel"]  # government's usual set
    assert set(org.schema.custom) == set(wanted)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"SSWS {DEFAULT_TOKEN}"},
                                 timeout=10) as reader:
        made = {uid: (await reader.get(f"/api/v1/users/{uid}")).json() for uid in adapter.user_ids().values()}
    assert len(made) == 30
    for user in made.values():
        profile = user["profile"]
        assert set(wanted) <= set(profile), profile
        assert profile["employeeType"] in ("Full-Time", "Part-Time", "Contractor", "Intern")
        assert profile["costCenterCode"].startswith("CC-") and profile["clearanceLevel"] in CLEARANCES
        assert 1 <= profile["jobLevel"] <= 8 and len(profile["startDate"]) == 10
    chief = next(u for u in made.values() if u["profile"]["title"] == "Chief Executive Officer")
    assert chief["profile"]["jobLevel"] == 8 and chief["profile"]["clearanceLevel"] == "Top Secret"
    # Every call was made as the service app: the System Log says so.
    actors = {e["actor"]["id"] for e in org.log.events() if e["eventType"] == "user.lifecycle.create"}
    assert actors == {app["client_id"]}
    # The MFA enrollment policy covers the company's department groups, with its rule.
    ours = [p for p in org.policies.values() if p.id not in policies_before]
    assert len(ours) == 1 and ours[0].type == "MFA_ENROLL" and len(ours[0].rules) == 1
    assert set(ours[0].conditions["people"]["groups"]["include"]) <= set(org.groups)
    # TOTP factors were activated with a code from their secret, like a person with an app would.
    totp = [f for held in org.factors.values() for f in held.values()
            if f.factor_type == "token:software:totp"]
    assert totp and all(f.status == "ACTIVE" for f in totp)

    assert await drive(service, "promotion")  # a promotion moves the job level with the title
    logged = set(activity_types(ctx))
    assert {"okta_schema", "okta_policy"} <= logged

    result = await service.cleanup()
    assert result["errors"] == []
    assert result["attributes_removed"] == 4 and result["policies_deleted"] == 1
    assert set(org.schema.custom) == {"jobLevel"}  # the org's own attribute stays
    assert set(org.policies) == policies_before
    assert not [u for u in org.users.values() if not u.preexisting]
    again = await service.cleanup()
    assert again == {"users_deleted": 0, "groups_deleted": 0, "assignments_removed": 0, "errors": []}
    key_text = pem_of(app["private_key"]).splitlines()[5]
    activity = json.dumps([e for e in activity_types(ctx)])
    assert key_text not in activity
    await adapter.aclose()
