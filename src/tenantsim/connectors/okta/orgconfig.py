"""The org-level things a job adds besides people and groups, each recorded in the ledger so cleanup
removes exactly them: custom profile attributes (``schema_attribute``) and an MFA enrolment policy with
its rule (``mfa_policy``, ``mfa_policy_rule``).

An attribute the org already has is the org's: the job fills it on its own people but never removes it
(its name goes in the job's progress, not in the ledger). A policy whose name another policy already
has is left alone, and said so. A refusal (no permission, no scope) is a notice, never a failed job.
"""

from __future__ import annotations

from typing import Any

from tenantsim.connectors.kit.intents import made_after
from tenantsim.connectors.okta.attributes import Attribute, chosen
from tenantsim.connectors.okta.pool import Member, OktaClientPool
from tenantsim.connectors.okta.state import OrgState
from tenantsim.errors import AuthError, HeldByAnotherJob, NotFoundOnPlatform, PlatformError, Skippable
from tenantsim.store.ledger_types import Ledger, LedgerEntry

ATTRIBUTE = "schema_attribute"
POLICY, RULE = "mfa_policy", "mfa_policy_rule"
POLICY_KEY = "enrollment"
RULE_KEY = f"{POLICY_KEY}>rule"
PROGRESS_KEY = "okta_attributes"  # the attribute names the job fills (its own and the org's)
# What the company's people enrol (see the factors of scenario/company.py), as the policy asks for it.
AUTHENTICATORS = (("okta_password", "REQUIRED"), ("okta_email", "REQUIRED"), ("google_otp", "REQUIRED"),
                  ("okta_verify", "OPTIONAL"), ("phone_number", "OPTIONAL"),
                  ("security_question", "OPTIONAL"), ("webauthn", "OPTIONAL"))


# -- custom profile attributes -------------------------------------------------------------------------
async def ensure_attributes(state: OrgState) -> list[str]:
    """Add the job's attributes the org lacks; the names the job fills (also kept in its progress)."""
    wanted = chosen(state.ctx.config, state.company.industry)
    if not wanted:
        return []
    ledger = state.ctx.ledger
    member = state.pool.members[0]
    try:
        existing = await member.client.custom_properties()
    except (AuthError, Skippable) as exc:
        state.ctx.activity("notice", "Custom profile attributes were not added: Okta refused to show the "
                           f"user schema ({exc.message}).", [])
        return []
    usable: list[str] = []
    for attribute in wanted:
        entry = ledger.get(ATTRIBUTE, attribute.name)
        if entry is None and attribute.name in existing:
            if existing[attribute.name].get("type") == attribute.type:
                usable.append(attribute.name)  # the org's own: filled on our people, never removed
            else:
                state.ctx.activity("notice", f"The org already has a profile attribute {attribute.name} of "
                                   f"another type; it is left as it is and not filled.", [])
            continue
        if entry is not None and entry.status == "failed":
            continue
        try:
            made = await _ensure_attribute(state, attribute)
        except HeldByAnotherJob:  # that job adds it and removes it at its cleanup: ours stay without it
            state.ctx.activity("notice", f"Profile attribute {attribute.name} is being added by another job "
                               "on this org; this job's people are made without it.", [])
            continue
        except (AuthError, Skippable) as exc:
            ledger.failed(ATTRIBUTE, attribute.name, exc.message)
            state.ctx.activity("notice", f"Profile attribute {attribute.name} was not added: {exc.message}",
                               [])
            continue
        if made:
            usable.append(attribute.name)
    state.ctx.checkpoint(**{PROGRESS_KEY: usable})
    if usable:
        state.ctx.activity("okta_schema", f"People in Okta carry {len(usable)} custom profile attributes: "
                           f"{', '.join(usable)}.", [{"type": "schema", "attributes": usable}])
    return usable


async def _ensure_attribute(state: OrgState, attribute: Attribute) -> str | None:
    async def find(member: Member) -> dict[str, Any] | None:
        schema = await member.client.user_schema()
        properties = ((schema.get("definitions") or {}).get("custom") or {}).get("properties") or {}
        return {"id": attribute.name, "created": schema.get("lastUpdated")} if attribute.name in properties \
            else None

    async def create(member: Member) -> dict[str, Any]:
        await member.client.update_custom_properties({attribute.name: attribute.definition()})
        return {"id": attribute.name}

    return await state.intents.ensure(ATTRIBUTE, attribute.name, parent_key=None, find=find, create=create,
                                      attrs={"name": attribute.name, "title": attribute.title,
                                             "type": attribute.type}, claim=attribute.name)


def filled_attributes(state: OrgState) -> list[str]:
    """The attribute names the job fills, as its progress recorded them."""
    return [str(name) for name in state.ctx.progress.get(PROGRESS_KEY) or []]


# -- the MFA enrolment policy ------------------------------------------------------------------------
def policy_body(state: OrgState, group_ids: list[str]) -> dict[str, Any]:
    company = state.company
    return {
        "type": "MFA_ENROLL", "name": f"{company.name} MFA enrollment"[:255],
        "description": f"{company.name} staff enroll a second factor at their next sign-in",
        "priority": 1,
        "conditions": {"people": {"groups": {"include": group_ids}}},
        "settings": {"type": "AUTHENTICATORS",
                     "authenticators": [{"key": key, "enroll": {"self": need}}
                                        for key, need in AUTHENTICATORS]},
    }


RULE_BODY = {"type": "MFA_ENROLL", "name": "Enroll at next sign-in",
             "conditions": {"people": {"users": {"exclude": []}}, "network": {"connection": "ANYWHERE"}},
             "actions": {"enroll": {"self": "CHALLENGE"}}}


async def ensure_mfa_policy(state: OrgState) -> bool:
    """The company's MFA enrolment policy for its department groups, and its rule. True when in place."""
    company, ledger = state.company, state.ctx.ledger
    group_ids = [state.groups[g.key] for g in company.groups
                 if g.kind == "department" and g.key in state.groups]
    if not group_ids:
        return False
    body = policy_body(state, group_ids)
    for kind, key in ((POLICY, POLICY_KEY), (RULE, RULE_KEY)):
        entry = ledger.get(kind, key)
        if entry is not None and entry.status == "failed":
            return False
    rule_entry = ledger.get(RULE, RULE_KEY)
    if rule_entry is not None and rule_entry.status == "created":
        return True  # made on an earlier run of the build

    async def find_policy(member: Member) -> dict[str, Any] | None:
        return next((p for p in await member.client.policies("MFA_ENROLL") if p.get("name") == body["name"]),
                    None)

    try:
        pid = await state.intents.ensure(POLICY, POLICY_KEY, parent_key=None, find=find_policy,
                                         create=lambda member: member.client.create_policy(body),
                                         attrs={"name": body["name"], "groups": len(group_ids)},
                                         claim=body["name"])
        if pid is None:
            return False

        async def find_rule(member: Member) -> dict[str, Any] | None:
            rules = await member.client.policy_rules(pid)
            return next((r for r in rules if r.get("name") == RULE_BODY["name"]), None)

        rid = await state.intents.ensure(RULE, RULE_KEY, parent_key=POLICY_KEY, find=find_rule,
                                         create=lambda m: m.client.create_policy_rule(pid, RULE_BODY),
                                         attrs={"name": RULE_BODY["name"], "policy_key": POLICY_KEY})
    except (AuthError, Skippable) as exc:
        for kind, key in ((POLICY, POLICY_KEY), (RULE, RULE_KEY)):
            entry = ledger.get(kind, key)
            if entry is None or entry.status == "intent":
                ledger.failed(kind, key, exc.message)
        state.ctx.activity("notice", f"The MFA enrollment policy was not created: {exc.message}", [])
        return False
    if rid is not None:
        state.ctx.activity("okta_policy", f"{body['name']}: an MFA enrollment policy for {len(group_ids)} "
                           "department groups asks everyone to enroll a second factor at their next sign-in.",
                           [{"type": "policy", "name": body["name"], "groups": len(group_ids)}])
    return rid is not None


# -- cleanup ---------------------------------------------------------------------------------------------
PENDING = ("created", "intent")


async def remove_mfa_policy(ledger: Ledger, pool: OktaClientPool, errors: list[str]) -> int:
    """The job's policy rule, then its policy; returns how many policies were deleted."""
    deleted = 0
    policy = ledger.get(POLICY, POLICY_KEY)
    for entry in ledger.entries(RULE, statuses=PENDING):
        client = pool.acting_as(entry.actor).client
        try:
            if entry.platform_id and policy is not None and policy.platform_id:
                await client.delete_policy_rule(policy.platform_id, entry.platform_id)
        except NotFoundOnPlatform:
            pass
        except PlatformError as exc:
            errors.append(f"policy rule {entry.attrs.get('name') or entry.key}: {exc.message}")
            continue
        ledger.deleted(RULE, entry.key)  # an intent without an id goes with its policy
    for entry in ledger.entries(POLICY, statuses=PENDING):
        client = pool.acting_as(entry.actor).client
        try:
            policy_id = entry.platform_id or await _made_policy(client, entry)
            if policy_id:
                await client.delete_policy(policy_id)
                deleted += 1
        except NotFoundOnPlatform:
            pass
        except PlatformError as exc:
            errors.append(f"policy {entry.attrs.get('name') or entry.key}: {exc.message}")
            continue
        ledger.deleted(POLICY, entry.key)
    return deleted


async def _made_policy(client: Any, entry: LedgerEntry) -> str | None:
    """An intent's policy, found by name and adopted only if Okta made it after the intent."""
    found = next((p for p in await client.policies("MFA_ENROLL") if p.get("name") == entry.attrs.get("name")),
                 None)
    return str(found["id"]) if made_after(found, entry.attrs.get("requested_at")) and found else None


async def remove_attributes(ledger: Ledger, pool: OktaClientPool, errors: list[str]) -> int:
    """The attributes the job added (and only those), in one schema update; returns how many."""
    entries = ledger.entries(ATTRIBUTE, statuses=PENDING)
    if not entries:
        return 0
    client = pool.acting_as(entries[0].actor).client
    try:
        schema = await client.user_schema()
    except PlatformError as exc:
        errors.append(f"profile attributes: {exc.message}")
        return 0
    properties = ((schema.get("definitions") or {}).get("custom") or {}).get("properties") or {}
    ours = [e for e in entries if e.status == "created" or made_after(
        {"created": schema.get("lastUpdated")}, e.attrs.get("requested_at"))]
    present = [e.key for e in ours if e.key in properties]
    if present:
        try:
            await client.update_custom_properties({name: None for name in present})
        except PlatformError as exc:
            errors.append(f"profile attributes {', '.join(present)}: {exc.message}")
            return 0
    for entry in entries:
        ledger.deleted(ATTRIBUTE, entry.key)
    return len(present)
