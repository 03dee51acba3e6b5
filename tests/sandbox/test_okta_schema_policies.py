"""The emulator's user profile schema, MFA enrolment policies and TOTP factors, over real loopback HTTP,
checked against Okta's documented behaviour and the official spec."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tenantsim.sandbox.okta import OktaSandbox, create_app
from tenantsim.sandbox.okta.snapshot import dump_org, load_org
from tests.sandbox.okta_support import assert_conforms, client, person, totp_code, with_password
from tests.support.servers import serve_asgi

SCHEMA = "/api/v1/meta/schemas/user/default"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OktaSandbox, str]]:
    sandbox = create_app(users=5, seed=41)
    with serve_asgi(sandbox) as base:
        yield sandbox, base


@pytest.fixture()
def http(served: tuple[OktaSandbox, str]) -> Iterator[httpx.Client]:
    sandbox, base = served
    sandbox.reset()
    with client(base) as session:
        yield session


def add_properties(http: httpx.Client, **properties: object) -> httpx.Response:
    return http.post(SCHEMA, json={"definitions": {"custom": {"id": "#custom", "type": "object",
                                                              "properties": properties}}})


def test_the_schema_reads_as_okta_documents_it(http: httpx.Client) -> None:
    response = http.get(SCHEMA)
    assert response.status_code == 200
    assert_conforms(response, "GET", "/api/v1/meta/schemas/user/{schemaId}")
    schema = response.json()
    base = schema["definitions"]["base"]
    assert {"login", "email", "firstName", "lastName", "costCenter", "managerId"} <= set(base["properties"])
    assert base["required"] == ["login", "firstName", "lastName", "email"]
    assert schema["definitions"]["custom"]["properties"] == {}
    assert schema["properties"]["profile"]["allOf"] == [{"$ref": "#/definitions/custom"},
                                                        {"$ref": "#/definitions/base"}]
    assert http.get("/api/v1/meta/schemas/user/oty0unknown000000000").status_code == 404


def test_custom_properties_are_added_filled_checked_and_removed(http: httpx.Client,
                                                                served: tuple[OktaSandbox, str]) -> None:
    sandbox = served[0]
    added = add_properties(http, employeeType={"title": "Employee type", "type": "string",
                                               "enum": ["Full-Time", "Contractor"]},
                           jobLevel={"title": "Job level", "type": "integer"})
    assert added.status_code == 200, added.text
    assert_conforms(added, "POST", "/api/v1/meta/schemas/user/{schemaId}")
    custom = added.json()["definitions"]["custom"]["properties"]
    assert custom["employeeType"]["enum"] == ["Full-Time", "Contractor"]
    assert custom["jobLevel"]["type"] == "integer"
    ana = person("ana.ito@acme.example.com", employeeType="Contractor", jobLevel=3)
    made = http.post("/api/v1/users", json=with_password(ana))
    assert made.status_code == 200, made.text
    assert made.json()["profile"]["jobLevel"] == 3
    uid = made.json()["id"]
    # Undefined properties and wrong types are refused as Okta refuses them.
    unknown = http.post("/api/v1/users", json=person("bo.lund@acme.example.com", badgeColour="green"))
    assert unknown.status_code == 400
    body = unknown.json()
    assert body["errorCode"] == "E0000001" and body["errorSummary"] == "Api validation failed: newUser"
    assert body["errorCauses"] == [{"errorSummary": "Property name 'badgeColour' is not defined in profile"}]
    wrong = http.post(f"/api/v1/users/{uid}", json={"profile": {"jobLevel": "three"}})
    assert wrong.status_code == 400 and wrong.json()["errorCode"] == "E0000001"
    outside = http.post(f"/api/v1/users/{uid}", json={"profile": {"employeeType": "Astronaut"}})
    assert outside.status_code == 400
    moved = http.post(f"/api/v1/users/{uid}", json={"profile": {"jobLevel": 4}})
    assert moved.json()["profile"]["jobLevel"] == 4
    # Base names cannot be redefined; removing a property (null) drops its values from every profile.
    assert add_properties(http, costCenter={"title": "x", "type": "string"}).status_code == 400
    removed = add_properties(http, employeeType=None)
    assert removed.status_code == 200
    assert "employeeType" not in removed.json()["definitions"]["custom"]["properties"]
    assert "employeeType" not in sandbox.org.users[uid].profile
    assert http.get(f"/api/v1/users/{uid}").json()["profile"]["jobLevel"] == 4


def test_mfa_enrollment_policies_and_rules(http: httpx.Client) -> None:
    listed = http.get("/api/v1/policies", params={"type": "MFA_ENROLL"})
    assert listed.status_code == 200
    assert [p["name"] for p in listed.json()] == ["Default Policy"]
    default = listed.json()[0]
    assert default["system"] is True and default["status"] == "ACTIVE"
    assert http.get("/api/v1/policies").status_code == 400  # type is required
    group = http.post("/api/v1/groups", json={"profile": {"name": "Engineering"}}).json()
    body = {"type": "MFA_ENROLL", "name": "Engineering MFA", "description": "TOTP for engineers",
            "conditions": {"people": {"groups": {"include": [group["id"]]}}},
            "settings": {"type": "AUTHENTICATORS", "authenticators": [
                {"key": "google_otp", "enroll": {"self": "REQUIRED"}},
                {"key": "okta_password", "enroll": {"self": "REQUIRED"}}]}}
    created = http.post("/api/v1/policies", json=body)
    assert created.status_code == 200, created.text
    assert_conforms(created, "POST", "/api/v1/policies")
    policy = created.json()
    assert policy["id"].startswith("00p") and policy["priority"] == 1 and policy["status"] == "ACTIVE"
    assert policy["conditions"]["people"]["groups"]["include"] == [group["id"]]
    ordered = http.get("/api/v1/policies", params={"type": "MFA_ENROLL"}).json()
    assert [(p["name"], p["priority"]) for p in ordered] == [("Engineering MFA", 1), ("Default Policy", 2)]
    assert http.post("/api/v1/policies", json=body).status_code == 400  # the name is taken
    bad = {**body, "name": "Bad", "conditions": {"people": {"groups": {"include": ["00gmissing0000000000"]}}}}
    assert http.post("/api/v1/policies", json=bad).status_code == 400

    rule = http.post(f"/api/v1/policies/{policy['id']}/rules", json={
        "type": "MFA_ENROLL", "name": "Enroll at next sign-in", "actions": {"enroll": {"self": "CHALLENGE"}},
        "conditions": {"people": {"users": {"exclude": []}}, "network": {"connection": "ANYWHERE"}}})
    assert rule.status_code == 200, rule.text
    assert_conforms(rule, "POST", "/api/v1/policies/{policyId}/rules")
    rules = http.get(f"/api/v1/policies/{policy['id']}/rules").json()
    assert [r["name"] for r in rules] == ["Enroll at next sign-in"]
    assert http.get(f"/api/v1/policies/{policy['id']}/rules/{rule.json()['id']}").status_code == 200

    assert http.post(f"/api/v1/policies/{policy['id']}/lifecycle/deactivate").status_code == 204
    assert http.get(f"/api/v1/policies/{policy['id']}").json()["status"] == "INACTIVE"
    assert http.post(f"/api/v1/policies/{policy['id']}/lifecycle/activate").status_code == 204
    assert http.delete(f"/api/v1/policies/{policy['id']}/rules/{rule.json()['id']}").status_code == 204
    assert http.get(f"/api/v1/policies/{policy['id']}/rules").json() == []
    assert http.delete(f"/api/v1/policies/{policy['id']}").status_code == 204
    assert http.get(f"/api/v1/policies/{policy['id']}").status_code == 404
    assert http.delete(f"/api/v1/policies/{default['id']}").status_code == 403  # the org's own stays
    logged = http.get("/api/v1/logs", params={"since": "2020-01-01T00:00:00Z"}).json()
    events = {e["eventType"] for e in logged}
    assert {"policy.lifecycle.create", "policy.rule.add", "policy.rule.delete",
            "policy.lifecycle.delete"} <= events


def test_totp_enrollment_hands_out_a_real_secret_and_checks_codes(http: httpx.Client) -> None:
    uid = http.post("/api/v1/users", json=with_password(person("otp.fan@acme.example.com"))).json()["id"]
    pending = http.post(f"/api/v1/users/{uid}/factors",
                        json={"factorType": "token:software:totp", "provider": "GOOGLE"})
    assert pending.status_code == 200
    factor = pending.json()
    activation = factor["_embedded"]["activation"]
    assert activation["timeStep"] == 30 and activation["encoding"] == "base32"
    assert len(activation["sharedSecret"]) == activation["keyLength"] == 16
    origin = str(http.base_url).rstrip("/")
    assert activation["_links"]["qrcode"]["href"].startswith(f"{origin}/api/v1/users/{uid}/factors/")
    assert activation["_links"]["qrcode"]["type"] == "image/png"
    secret = activation["sharedSecret"]
    fid = factor["id"]
    wrong = http.post(f"/api/v1/users/{uid}/factors/{fid}/lifecycle/activate", json={"passCode": "000000"}
                      if totp_code(secret) != "000000" else {"passCode": "111111"})
    assert wrong.status_code == 403 and wrong.json()["errorCode"] == "E0000068"
    done = http.post(f"/api/v1/users/{uid}/factors/{fid}/lifecycle/activate",
                     json={"passCode": totp_code(secret)})
    assert done.status_code == 200 and done.json()["status"] == "ACTIVE"
    assert "_embedded" not in http.get(f"/api/v1/users/{uid}/factors/{fid}").json()  # shown once only
    verified = http.post(f"/api/v1/users/{uid}/factors/{fid}/verify",
                         json={"passCode": totp_code(secret, time.time() - 30)})  # one step of drift is fine
    assert verified.status_code == 200 and verified.json() == {"factorResult": "SUCCESS"}
    stale = http.post(f"/api/v1/users/{uid}/factors/{fid}/verify",
                      json={"passCode": totp_code(secret, time.time() - 600)})
    assert stale.status_code == 403 and stale.json()["errorCode"] == "E0000068"
    outcomes = [(e["eventType"], e["outcome"]["result"]) for e in http.get(
        "/api/v1/logs", params={"filter": 'eventType eq "user.authentication.auth_via_mfa"',
                                "since": "2020-01-01T00:00:00Z"}).json()]
    assert outcomes == [("user.authentication.auth_via_mfa", "SUCCESS"),
                        ("user.authentication.auth_via_mfa", "FAILURE")]


def test_schema_policies_service_apps_and_totp_secrets_are_saved_with_the_org(
        http: httpx.Client, served: tuple[OktaSandbox, str]) -> None:
    sandbox = served[0]
    assert add_properties(http, startDate={"title": "Start date", "type": "string"}).status_code == 200
    made = http.post("/api/v1/policies", json={"type": "MFA_ENROLL", "name": "Saved"}).json()
    http.post(f"/api/v1/policies/{made['id']}/rules", json={"name": "Rule"})
    uid = http.post("/api/v1/users", json=with_password(person("kept.key@acme.example.com"))).json()["id"]
    totp = {"factorType": "token:software:totp", "provider": "GOOGLE"}
    assert http.post(f"/api/v1/users/{uid}/factors", json=totp).status_code == 200
    saved = json.loads(json.dumps(dump_org(sandbox.org)))  # what the state file holds
    restored = load_org(saved)
    assert restored.schema.custom == sandbox.org.schema.custom and "startDate" in restored.schema.custom
    assert set(restored.policies) == set(sandbox.org.policies)
    assert [r.name for r in restored.policies[made["id"]].rules.values()] == ["Rule"]
    assert set(restored.oauth.apps) == set(sandbox.org.oauth.apps)
    secrets = [f.secret for f in restored.factors[uid].values()]
    assert secrets == [f.secret for f in sandbox.org.factors[uid].values()] and all(secrets)
    # A file saved before these existed still loads, with an empty schema and no policies.
    old = {k: v for k, v in saved.items() if k not in ("oauth", "schema", "policies")}
    legacy = load_org(old)
    assert legacy.schema.custom == {} and legacy.policies == {} and legacy.oauth.apps == {}
