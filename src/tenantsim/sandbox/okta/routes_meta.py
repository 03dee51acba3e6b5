"""The user profile schema (``/api/v1/meta/schemas/user/default``) and policies (``/api/v1/policies``)."""

from __future__ import annotations

from starlette.responses import Response

from tenantsim.sandbox.okta import errors as err
from tenantsim.sandbox.okta import policies, schema
from tenantsim.sandbox.okta.call import Call, Handler, no_content, ok
from tenantsim.sandbox.okta.syslog import policy_target

_DEFAULT_IDS = ("default", "oty1defaultusertype0")


def _schema_id(call: Call) -> None:
    if call.params["schemaId"] not in _DEFAULT_IDS:
        raise err.not_found("UserSchema", call.params["schemaId"])


async def get_schema(call: Call) -> Response:
    _schema_id(call)
    return ok(schema.render(call.base, call.org.schema))


async def update_schema(call: Call) -> Response:
    _schema_id(call)
    body = await call.body()
    removed = schema.update(call.org.schema, body)
    for user in call.org.users.values():  # a removed property's values leave every profile
        for name in removed:
            user.profile.pop(name, None)
    details = {"removedProperties": ",".join(removed)} if removed else {}
    call.audit("system.user.schema.update", [policy_target("default", "User", "UserSchema")], **details)
    return ok(schema.render(call.base, call.org.schema))


async def list_policies(call: Call) -> Response:
    found = policies.of_type(call.org, call.query("type"))
    status = call.query("status")
    if status:
        found = [p for p in found if p.status == status]
    return ok([policies.render(call.base, p) for p in found])


async def create_policy(call: Call) -> Response:
    created = policies.create(call.org, await call.body(), bool(call.flag("activate", True)))
    call.audit("policy.lifecycle.create", [policy_target(created.id, created.name)], policyType=created.type)
    return ok(policies.render(call.base, created))


async def get_policy(call: Call) -> Response:
    return ok(policies.render(call.base, policies.policy(call.org, call.params["pid"])))


async def delete_policy(call: Call) -> Response:
    found = policies.policy(call.org, call.params["pid"])
    policies.delete(call.org, found)
    call.audit("policy.lifecycle.delete", [policy_target(found.id, found.name)], policyType=found.type)
    return no_content()


async def policy_lifecycle(call: Call) -> Response:
    found = policies.policy(call.org, call.params["pid"])
    op = call.params["op"]
    if op not in ("activate", "deactivate"):
        raise err.not_found("Operation", op)
    policies.set_status(found, "ACTIVE" if op == "activate" else "INACTIVE")
    call.audit(f"policy.lifecycle.{op}", [policy_target(found.id, found.name)], policyType=found.type)
    return no_content()


async def list_rules(call: Call) -> Response:
    found = policies.policy(call.org, call.params["pid"])
    ordered = sorted(found.rules.values(), key=lambda r: r.priority)
    return ok([policies.render_rule(call.base, found, r) for r in ordered])


async def create_rule(call: Call) -> Response:
    found = policies.policy(call.org, call.params["pid"])
    made = policies.add_rule(call.org, found, await call.body(), bool(call.flag("activate", True)))
    call.audit("policy.rule.add", [policy_target(found.id, found.name),
                                   policy_target(made.id, made.name, "PolicyRule")])
    return ok(policies.render_rule(call.base, found, made))


async def get_rule(call: Call) -> Response:
    found = policies.policy(call.org, call.params["pid"])
    return ok(policies.render_rule(call.base, found, policies.rule(found, call.params["rid"])))


async def delete_rule(call: Call) -> Response:
    found = policies.policy(call.org, call.params["pid"])
    gone = policies.rule(found, call.params["rid"])
    policies.delete_rule(found, gone)
    call.audit("policy.rule.delete", [policy_target(found.id, found.name),
                                      policy_target(gone.id, gone.name, "PolicyRule")])
    return no_content()


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/api/v1/meta/schemas/user/{schemaId}", get_schema),
    ("POST", "/api/v1/meta/schemas/user/{schemaId}", update_schema),
    ("GET", "/api/v1/policies", list_policies),
    ("POST", "/api/v1/policies", create_policy),
    ("GET", "/api/v1/policies/{pid}", get_policy),
    ("DELETE", "/api/v1/policies/{pid}", delete_policy),
    ("POST", "/api/v1/policies/{pid}/lifecycle/{op}", policy_lifecycle),
    ("GET", "/api/v1/policies/{pid}/rules", list_rules),
    ("POST", "/api/v1/policies/{pid}/rules", create_rule),
    ("GET", "/api/v1/policies/{pid}/rules/{rid}", get_rule),
    ("DELETE", "/api/v1/policies/{pid}/rules/{rid}", delete_rule),
]
