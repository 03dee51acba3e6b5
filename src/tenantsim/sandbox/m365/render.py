"""Graph's JSON for each object: default property sets, ``$select``, ``@odata`` annotations and etags."""

from __future__ import annotations

from typing import Any

from tenantsim.sandbox.m365.model import (
    Bucket,
    Channel,
    Group,
    Message,
    Plan,
    Task,
    Team,
    User,
    iso,
    iso_ms,
    planner_etag,
)
from tenantsim.sandbox.m365.tenant import Tenant

# What GET /users returns without $select (Graph's documented default set).
USER_DEFAULT = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
]
# Graph also sends creationOptions and resource*Options; the v1.0 documents we follow do not define them,
# so they are kept for $filter only.
GROUP_DEFAULT = [
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "securityEnabled",
    "securityIdentifier",
    "theme",
    "visibility",
]


def user_fields(person: User) -> dict[str, Any]:
    """Every property we keep, by its Graph name: what $select and $filter see."""
    return {
        "id": person.id,
        "businessPhones": list(person.business_phones),
        "displayName": person.display_name,
        "givenName": person.given_name,
        "jobTitle": person.job_title,
        "mail": person.mail,
        "mobilePhone": person.mobile_phone,
        "officeLocation": person.office_location,
        "preferredLanguage": person.preferred_language,
        "surname": person.surname,
        "userPrincipalName": person.user_principal_name,
        "accountEnabled": person.account_enabled,
        "department": person.department,
        "city": person.city,
        "country": person.country,
        "usageLocation": person.usage_location,
        "employeeId": person.employee_id,
        "mailNickname": person.mail_nickname,
        "createdDateTime": iso(person.created),
        "deletedDateTime": iso(person.deleted_at) if person.deleted_at else None,
        "userType": "Member",
        "creationType": None,
    }


def user(person: User, select: list[str] | None = None) -> dict[str, Any]:
    fields = user_fields(person)
    return {name: fields[name] for name in (select or USER_DEFAULT)}


def directory_object(person: User, select: list[str] | None = None) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.user", **user(person, select)}


def group_fields(tenant: Tenant, team: Group) -> dict[str, Any]:
    created = iso(team.created)
    return {
        "id": team.id,
        "deletedDateTime": iso(team.deleted_at) if team.deleted_at else None,
        "classification": None,
        "createdDateTime": created,
        "creationOptions": ["Team"] if team.id in tenant.teams else [],
        "description": team.description,
        "displayName": team.display_name,
        "expirationDateTime": None,
        "groupTypes": list(team.group_types),
        "isAssignableToRole": None,
        "mail": team.mail,
        "mailEnabled": team.mail_enabled,
        "mailNickname": team.mail_nickname,
        "membershipRule": None,
        "membershipRuleProcessingState": None,
        "preferredDataLocation": None,
        "preferredLanguage": None,
        "proxyAddresses": [f"SMTP:{team.mail}"] if team.mail else [],
        "renewedDateTime": created,
        "resourceBehaviorOptions": [],
        "resourceProvisioningOptions": ["Team"] if team.id in tenant.teams else [],
        "securityEnabled": team.security_enabled,
        "securityIdentifier": "S-1-12-1-"
        + "-".join(str(int(team.id.replace("-", "")[i : i + 8], 16)) for i in range(0, 32, 8)),
        "theme": None,
        "visibility": team.visibility,
    }


def group(tenant: Tenant, team: Group, select: list[str] | None = None) -> dict[str, Any]:
    fields = group_fields(tenant, team)
    return {name: fields[name] for name in (select or GROUP_DEFAULT)}


def team(tenant: Tenant, held: Team, base: str) -> dict[str, Any]:
    owner = tenant.groups[held.id]
    return {
        "id": held.id,
        "createdDateTime": iso_ms(held.created),
        "displayName": owner.display_name,
        "description": held.description if held.description is not None else owner.description,
        "internalId": held.internal_id,
        "classification": None,
        "specialization": "none",
        "visibility": (owner.visibility or "Public").lower(),
        "isArchived": held.is_archived,
        "tenantId": tenant.tenant_id,
        "webUrl": f"https://teams.microsoft.com/l/team/{held.internal_id}/conversations?groupId={held.id}"
        f"&tenantId={tenant.tenant_id}",
        "memberSettings": {
            "allowCreateUpdateChannels": True,
            "allowDeleteChannels": True,
            "allowAddRemoveApps": True,
            "allowCreateUpdateRemoveTabs": True,
            "allowCreateUpdateRemoveConnectors": True,
        },
        "guestSettings": {"allowCreateUpdateChannels": False, "allowDeleteChannels": False},
        "messagingSettings": {
            "allowUserEditMessages": True,
            "allowUserDeleteMessages": True,
            "allowOwnerDeleteMessages": True,
            "allowTeamMentions": True,
            "allowChannelMentions": True,
        },
        "funSettings": {
            "allowGiphy": True,
            "giphyContentRating": "moderate",
            "allowStickersAndMemes": True,
            "allowCustomMemes": True,
        },
    }


def channel(tenant: Tenant, held: Channel) -> dict[str, Any]:
    return {
        "id": held.id,
        "createdDateTime": iso_ms(held.created),
        "displayName": held.display_name,
        "description": held.description,
        "isFavoriteByDefault": None,
        "email": f"{held.display_name.replace(' ', '')}@{tenant.domain}"
        if held.membership_type == "standard"
        else "",
        "tenantId": tenant.tenant_id,
        "webUrl": f"https://teams.microsoft.com/l/channel/{held.id}/{held.display_name.replace(' ', '%20')}"
        f"?groupId={held.team_id}&tenantId={tenant.tenant_id}",
        "membershipType": held.membership_type,
    }


def message(tenant: Tenant, held: Message) -> dict[str, Any]:
    created = iso_ms(held.created)
    return {
        "id": held.id,
        "replyToId": held.reply_to_id,
        "etag": held.id,
        "messageType": "message",
        "createdDateTime": created,
        "lastModifiedDateTime": created,
        "lastEditedDateTime": None,
        "deletedDateTime": None,
        "subject": held.subject,
        "summary": None,
        "chatId": None,
        "importance": held.importance,
        "locale": "en-us",
        "webUrl": f"https://teams.microsoft.com/l/message/{held.channel_id}/{held.id}?groupId={held.team_id}"
        f"&tenantId={tenant.tenant_id}&createdTime={held.id}&parentMessageId="
        f"{held.reply_to_id or held.id}",
        "from": {
            "user": held.sender
        },  # Graph sends null application and device; the documents do not allow null
        "body": dict(held.body),
        "channelIdentity": {"teamId": held.team_id, "channelId": held.channel_id},
        "attachments": [],
        "mentions": [],
        "reactions": [],
    }


def sender(tenant: Tenant, person: User) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.teamworkUserIdentity",
        "id": person.id,
        "displayName": person.display_name,
        "userIdentityType": "aadUser",
        "tenantId": tenant.tenant_id,
    }


def plan(tenant: Tenant, held: Plan, base: str) -> dict[str, Any]:
    return {
        "@odata.etag": planner_etag("Plan", held.version),
        "id": held.id,
        "title": held.title,
        "createdDateTime": iso_ms(held.created),
        "owner": held.group_id,
        "createdBy": held.created_by,
        "container": {
            "containerId": held.group_id,
            "type": "group",
            "url": f"{base}/v1.0/groups/{held.group_id}",
        },
    }


def bucket(held: Bucket) -> dict[str, Any]:
    return {
        "@odata.etag": planner_etag("Bucket", held.version),
        "id": held.id,
        "name": held.name,
        "planId": held.plan_id,
        "orderHint": held.order_hint,
    }


def task(held: Task) -> dict[str, Any]:
    active = sum(1 for item in held.checklist.values() if not item.get("isChecked"))
    return _completed_by(
        {
            "@odata.etag": planner_etag("Task", held.version),
            "id": held.id,
            "planId": held.plan_id,
            "bucketId": held.bucket_id,
            "title": held.title,
            "orderHint": held.order_hint,
            "assigneePriority": "",
            "percentComplete": held.percent_complete,
            "priority": held.priority,
            "startDateTime": held.start,
            "createdDateTime": iso_ms(held.created),
            "dueDateTime": held.due,
            "hasDescription": bool(held.description),
            "previewType": held.preview_type,
            "completedDateTime": iso_ms(held.completed) if held.completed else None,
            "referenceCount": len(held.references),
            "checklistItemCount": len(held.checklist),
            "activeChecklistItemCount": active,
            "conversationThreadId": held.conversation_thread_id,
            "createdBy": held.created_by,
            "appliedCategories": dict(held.applied_categories),
            "assignments": {uid: dict(value) for uid, value in held.assignments.items()},
        },
        held,
    )


def _completed_by(data: dict[str, Any], held: Task) -> dict[str, Any]:
    """Graph leaves completedBy out until someone completes the task."""
    if held.completed_by is not None:
        data["completedBy"] = held.completed_by
    return data


def task_details(held: Task) -> dict[str, Any]:
    return {
        "@odata.etag": planner_etag("TaskDetails", held.details_version),
        "id": held.id,
        "description": held.description,
        "previewType": held.preview_type,
        "references": dict(held.references),
        "checklist": {k: dict(v) for k, v in held.checklist.items()},
    }


def identity_set(tenant: Tenant, user_id: str | None, app_id: str) -> dict[str, Any]:
    """Planner's createdBy / assignedBy: the acting user (if any) and the application."""
    out: dict[str, Any] = {"application": {"id": app_id, "displayName": None}}
    if user_id is not None:
        out["user"] = {"id": user_id, "displayName": None}
    return out
