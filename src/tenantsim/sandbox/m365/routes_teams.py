"""Teams: a team on a Microsoft 365 group, channels, channel messages and replies.

``PUT /groups/{id}/team`` answers 201 with the team; ``POST /teams`` answers 202 Accepted with
``Location: /teams('{id}')/operations('{op}')`` and ``Content-Location: /teams('{id}')``, as Graph does (the
operation has already succeeded here). Posting a message needs a delegated token: Graph takes application
posts only for imports into channels in migration mode, and refuses everything else with 401 Unauthorized
and a message saying so.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from tenantsim.sandbox.m365 import errors as err
from tenantsim.sandbox.m365 import query as q
from tenantsim.sandbox.m365 import render
from tenantsim.sandbox.m365.call import Call, no_content, ok
from tenantsim.sandbox.m365.model import Channel, Message, Team, iso_ms, new_id
from tenantsim.sandbox.m365.tenant import ref_id

_TEMPLATE = re.compile(r"teamsTemplates\('(?P<name>[^']+)'\)")
MESSAGES_TOP = 50
MESSAGES_DEFAULT = 20


def _team(call: Call) -> Team:
    return call.tenant.team(call.params["team"])


def _check_member(call: Call, team: Team) -> None:
    """A user acts in a team only as one of its members or owners."""
    uid = call.principal.user_id
    if uid is None:
        return
    group = call.tenant.groups[team.id]
    if uid not in group.members and uid not in group.owners:
        raise err.forbidden("The user is not a member of the team.")


async def put_team(call: Call) -> Response:
    group = call.tenant.group(call.params["id"])
    body = await call.body()
    team = call.tenant.create_team(group, call.at, body.get("description"))
    return ok(
        {"@odata.context": call.context("teams/$entity"), **render.team(call.tenant, team, call.base)},
        status=201,
    )


async def get_group_team(call: Call) -> Response:
    group = call.tenant.group(call.params["id"])
    team = call.tenant.team(group.id)
    return ok(
        {
            "@odata.context": call.context("groups('" + group.id + "')/team/$entity"),
            **render.team(call.tenant, team, call.base),
        }
    )


async def create_team(call: Call) -> Response:
    body = await call.body()
    template = _TEMPLATE.search(str(body.get("template@odata.bind") or ""))
    if template is None:
        raise err.invalid_request("A template must be specified with template@odata.bind.")
    if template["name"] not in (
        "standard",
        "educationClass",
        "educationStaff",
        "educationProfessionalLearning",
    ):
        raise err.invalid_request(f"The template '{template['name'][:40]}' was not found.")
    tenant = call.tenant
    members = body.get("members") or []
    if not isinstance(members, list):
        raise err.invalid_request("members must be a list of conversationMember.")
    owners: list[str] = []
    plain: list[str] = []
    for member in members:
        bound = str((member or {}).get("user@odata.bind") or "")
        user = tenant.user(ref_id(bound))
        (owners if "owner" in ((member or {}).get("roles") or []) else plain).append(user.id)
    if body.get("group@odata.bind"):
        group = tenant.group(ref_id(str(body["group@odata.bind"])))
    else:
        name = str(body.get("displayName") or "").strip()
        if not name:
            raise err.invalid_request("displayName is required when creating a team.")
        if call.principal.user_id is None and not owners:
            raise err.invalid_request(
                "Team owner not specified in request: an application must name at least one owner in members."
            )
        if call.principal.user_id is not None and call.principal.user_id not in owners:
            owners.insert(0, call.principal.user_id)  # the creating user owns the team
        nickname = re.sub(r"[^A-Za-z0-9]", "", name)[:56] or "team"
        taken = {g.mail_nickname.lower() for g in tenant.active_groups()}
        candidate, suffix = nickname, 1
        while candidate.lower() in taken:
            suffix += 1
            candidate = f"{nickname}{suffix}"
        group = tenant.create_group(
            {
                "displayName": name,
                "mailEnabled": True,
                "mailNickname": candidate,
                "securityEnabled": False,
                "groupTypes": ["Unified"],
                "description": body.get("description"),
                "visibility": str(body.get("visibility") or "public").capitalize(),
            },
            call.at,
        )
    for uid in owners:
        if uid not in group.owners:
            group.owners.append(uid)
    for uid in owners + plain:
        if uid not in group.members:
            group.members.append(uid)
    team = tenant.create_team(group, call.at, body.get("description"))
    operation = new_id(tenant.rng)
    tenant.operations[operation] = [team.id, call.at]
    return Response(
        status_code=202,
        headers={
            "Location": f"/teams('{team.id}')/operations('{operation}')",
            "Content-Location": f"/teams('{team.id}')",
        },
    )


async def get_team(call: Call) -> Response:
    team = _team(call)
    return ok({"@odata.context": call.context("teams/$entity"), **render.team(call.tenant, team, call.base)})


async def get_operation(call: Call) -> Response:
    team = _team(call)
    held = call.tenant.operations.get(call.params["op"])
    if held is None or held[0] != team.id:
        raise err.item_not_found("The operation was not found.")
    stamp = iso_ms(held[1])
    return ok(
        {
            "@odata.context": call.context(f"teams('{team.id}')/operations/$entity"),
            "id": call.params["op"],
            "operationType": "createTeam",
            "createdDateTime": stamp,
            "status": "succeeded",
            "lastActionDateTime": stamp,
            "attemptsCount": 1,
            "targetResourceId": team.id,
            "targetResourceLocation": f"/teams('{team.id}')",
            "error": None,
        }
    )


async def list_team_members(call: Call) -> Response:
    team = _team(call)
    group = call.tenant.groups[team.id]
    values: list[dict[str, Any]] = []
    for uid in dict.fromkeys(group.owners + group.members):
        user = call.tenant.find_user(uid)
        if user is None:
            continue
        values.append(
            {
                "@odata.type": "#microsoft.graph.aadUserConversationMember",
                "id": f"{team.id}:{uid}",
                "roles": ["owner"] if uid in group.owners else [],
                "displayName": user.display_name,
                "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
                "userId": uid,
                "email": user.mail or user.user_principal_name,
                "tenantId": call.tenant.tenant_id,
            }
        )
    return ok(
        {
            "@odata.context": call.context(f"teams('{team.id}')/members"),
            "@odata.count": len(values),
            "value": values,
        }
    )


# -- channels --------------------------------------------------------------------------------------
async def list_channels(call: Call) -> Response:
    team = _team(call)
    values = [render.channel(call.tenant, c) for c in call.tenant.team_channels(team)]
    text = call.query("$filter")
    if text:
        keep = q.parse_filter(text, {"displayName", "membershipType", "id"}, "Channel", False)
        values = [v for v in values if keep(v)]
    return ok(
        {
            "@odata.context": call.context(f"teams('{team.id}')/channels"),
            "@odata.count": len(values),
            "value": values,
        }
    )


async def create_channel(call: Call) -> Response:
    team = _team(call)
    _check_member(call, team)
    made = call.tenant.create_channel(team, await call.body(), call.at)
    return ok(
        {
            "@odata.context": call.context(f"teams('{team.id}')/channels/$entity"),
            **render.channel(call.tenant, made),
        },
        status=201,
    )


async def get_channel(call: Call) -> Response:
    team = _team(call)
    held = call.tenant.channel(team, call.params["channel"])
    return ok(
        {
            "@odata.context": call.context(f"teams('{team.id}')/channels/$entity"),
            **render.channel(call.tenant, held),
        }
    )


async def delete_channel(call: Call) -> Response:
    team = _team(call)
    call.tenant.delete_channel(call.tenant.channel(team, call.params["channel"]))
    return no_content()


# -- messages --------------------------------------------------------------------------------------
def _channel(call: Call) -> tuple[Team, Channel]:
    team = _team(call)
    return team, call.tenant.channel(team, call.params["channel"])


async def _post(call: Call, reply_to: Message | None) -> Response:
    team, held = _channel(call)
    if call.principal.user_id is None:
        raise err.app_only_post()
    _check_member(call, team)
    sender = render.sender(call.tenant, call.tenant.user(call.principal.user_id))
    made = call.tenant.post_message(held, await call.body(), sender, call.at, reply_to)
    where = f"teams('{team.id}')/channels('{held.id}')/messages" + (
        f"('{reply_to.id}')/replies" if reply_to else ""
    )
    return ok(
        {"@odata.context": call.context(where + "/$entity"), **render.message(call.tenant, made)}, status=201
    )


async def post_message(call: Call) -> Response:
    return await _post(call, None)


async def post_reply(call: Call) -> Response:
    _, held = _channel(call)
    parent = call.tenant.message(held, call.params["message"])
    if parent.reply_to_id is not None:
        raise err.invalid_request("Replies to a reply are not supported.")
    return await _post(call, parent)


def _page(call: Call, items: list[Message], context: str) -> Response:
    size = q.top(call.query("$top"), MESSAGES_DEFAULT, MESSAGES_TOP)
    items = sorted(items, key=lambda m: int(m.id), reverse=True)  # newest first, as Teams lists them
    token = call.query("$skiptoken")
    if token:
        after = q.decode_token(token)
        items = [m for m in items if int(m.id) < int(after[0])]
    page = items[:size]
    body: dict[str, Any] = {"@odata.context": call.context(context), "@odata.count": len(page)}
    if len(items) > size:
        root = str(call.request.scope.get("root_path") or "").rstrip("/")
        path = call.request.url.path[len(root) :]
        body["@odata.nextLink"] = f"{call.base}{path}?$top={size}&$skiptoken={q.encode_token([page[-1].id])}"
    body["value"] = [render.message(call.tenant, m) for m in page]
    return ok(body)


async def list_messages(call: Call) -> Response:
    team, held = _channel(call)
    _check_member(call, team)
    return _page(
        call, call.tenant.channel_messages(held), f"teams('{team.id}')/channels('{held.id}')/messages"
    )


async def get_message(call: Call) -> Response:
    team, held = _channel(call)
    found = call.tenant.message(held, call.params["message"])
    return ok(
        {
            "@odata.context": call.context(f"teams('{team.id}')/channels('{held.id}')/messages/$entity"),
            **render.message(call.tenant, found),
        }
    )


async def list_replies(call: Call) -> Response:
    team, held = _channel(call)
    parent = call.tenant.message(held, call.params["message"])
    return _page(
        call,
        call.tenant.channel_messages(held, parent.id),
        f"teams('{team.id}')/channels('{held.id}')/messages('{parent.id}')/replies",
    )


_T = "/v1.0/teams/{team}"
_C = _T + "/channels/{channel}"
ROUTES = [
    ("PUT", "/v1.0/groups/{id}/team", put_team, "team", "create"),
    ("GET", "/v1.0/groups/{id}/team", get_group_team, "team", "read"),
    ("POST", "/v1.0/teams", create_team, "team", "create"),
    ("GET", _T, get_team, "team", "read"),
    ("GET", _T + "/operations/{op}", get_operation, "team", "read"),
    ("GET", _T + "/members", list_team_members, "team", "read"),
    ("GET", _T + "/channels", list_channels, "channel", "read"),
    ("POST", _T + "/channels", create_channel, "channel", "create"),
    ("GET", _C, get_channel, "channel", "read"),
    ("DELETE", _C, delete_channel, "channel", "delete"),
    ("GET", _C + "/messages", list_messages, "message", "read"),
    ("POST", _C + "/messages", post_message, "message", "write"),
    ("GET", _C + "/messages/{message}", get_message, "message", "read"),
    ("GET", _C + "/messages/{message}/replies", list_replies, "message", "read"),
    ("POST", _C + "/messages/{message}/replies", post_reply, "message", "write"),
]
