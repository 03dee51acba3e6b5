"""The Teams part of a tenant: a team on a Microsoft 365 group, its channels and channel messages."""

from __future__ import annotations

import random
from typing import Any

from tenantsim.sandbox.m365 import errors as err
from tenantsim.sandbox.m365.model import Channel, Group, Message, Team, channel_id


class TeamsMixin:
    """Mixed into ``Tenant``, which holds the state named here."""

    rng: random.Random
    groups: dict[str, Group]
    teams: dict[str, Team]
    channels: dict[str, Channel]
    messages: dict[str, Message]
    last_message_ms: int

    # -- teams ------------------------------------------------------------------------------------
    def team(self, team_id: str) -> Team:
        found = self.teams.get(team_id)
        group = self.groups.get(team_id)
        if found is None or group is None or group.deleted_at is not None:
            raise err.item_not_found(f"No team found with Group Id {team_id}")
        return found

    def create_team(
        self, group: Group, at: float, description: str | None = None, *, preexisting: bool = False
    ) -> Team:
        if not group.unified:
            raise err.invalid_request(
                "Team can only be created on a Microsoft 365 group (groupTypes Unified)."
            )
        if group.id in self.teams:
            raise err.GraphError(409, "Conflict", "A team already exists for this group.")
        team = Team(
            id=group.id,
            created=at,
            internal_id=channel_id(self.rng),
            description=description,
            preexisting=preexisting,
        )
        self.teams[group.id] = team
        general = Channel(
            id=team.internal_id,
            team_id=team.id,
            display_name="General",
            created=at,
            description=group.description,
            is_general=True,
            preexisting=preexisting,
        )
        self.channels[general.id] = general
        return team

    def channel(self, team: Team, cid: str) -> Channel:
        found = self.channels.get(cid)
        if found is None or found.team_id != team.id:
            raise err.item_not_found(f"Channel {cid} not found in team {team.id}.")
        return found

    def team_channels(self, team: Team) -> list[Channel]:
        return sorted(
            (c for c in self.channels.values() if c.team_id == team.id),
            key=lambda c: (not c.is_general, c.created, c.id),
        )

    def create_channel(
        self, team: Team, body: dict[str, Any], at: float, *, preexisting: bool = False
    ) -> Channel:
        name = str(body.get("displayName") or "").strip()
        if not name:
            raise err.invalid_request("Missing or empty property 'displayName'.")
        if len(name) > 50 or any(c in name for c in "~#%&*{}+/\\:<>?|'\""):
            raise err.invalid_request("Channel name contains invalid characters or is too long.")
        membership = str(body.get("membershipType") or "standard")
        if membership not in ("standard", "private", "shared"):
            raise err.invalid_request(f"Invalid membershipType '{membership[:20]}'.")
        if any(c.display_name.lower() == name.lower() for c in self.team_channels(team)):
            raise err.invalid_request("Channel name already existed, please use other name.")
        made = Channel(
            id=channel_id(self.rng),
            team_id=team.id,
            display_name=name,
            created=at,
            description=body.get("description") or None,
            membership_type=membership,
            preexisting=preexisting,
        )
        self.channels[made.id] = made
        return made

    def delete_channel(self, channel: Channel) -> None:
        if channel.is_general:
            raise err.invalid_request("The General channel cannot be deleted.")
        del self.channels[channel.id]
        for key in [k for k, m in self.messages.items() if m.channel_id == channel.id]:
            del self.messages[key]

    def post_message(
        self,
        channel: Channel,
        body: dict[str, Any],
        sender: dict[str, Any],
        at: float,
        reply_to: Message | None = None,
        *,
        preexisting: bool = False,
    ) -> Message:
        content = body.get("body")
        if (
            not isinstance(content, dict)
            or not isinstance(content.get("content"), str)
            or not content["content"]
        ):
            raise err.invalid_request("Missing body content.")
        content_type = str(content.get("contentType") or "text").lower()
        if content_type not in ("text", "html"):
            raise err.invalid_request(f"Invalid contentType '{content_type[:20]}'.")
        importance = str(body.get("importance") or "normal")
        # Message ids are the creation time in epoch milliseconds, unique in the channel.
        stamp = max(int(at * 1000), self.last_message_ms + 1)
        self.last_message_ms = stamp
        message = Message(
            id=str(stamp),
            team_id=channel.team_id,
            channel_id=channel.id,
            created=stamp / 1000,
            body={"contentType": content_type, "content": content["content"]},
            sender=sender,
            reply_to_id=reply_to.id if reply_to else None,
            subject=body.get("subject") if reply_to is None else None,
            importance=importance,
            preexisting=preexisting,
        )
        self.messages[f"{channel.id}/{message.id}"] = message
        return message

    def message(self, channel: Channel, mid: str) -> Message:
        found = self.messages.get(f"{channel.id}/{mid}")
        if found is None:
            raise err.item_not_found("Message not found.")
        return found

    def channel_messages(self, channel: Channel, reply_to: str | None = None) -> list[Message]:
        return [m for m in self.messages.values() if m.channel_id == channel.id and m.reply_to_id == reply_to]
