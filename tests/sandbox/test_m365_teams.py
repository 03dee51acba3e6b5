"""Teams on the Microsoft 365 emulator through the official msgraph-sdk: team creation (202 and its
Location), channels, channel messages and replies, and Graph's refusal of application-only posts."""

from __future__ import annotations

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.aad_user_conversation_member import AadUserConversationMember
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.channel import Channel
from msgraph.generated.models.chat_message import ChatMessage
from msgraph.generated.models.group import Group
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.team import Team
from msgraph.generated.teams.item.channels.item.messages.messages_request_builder import (
    MessagesRequestBuilder,
)

from tests.sandbox.m365_support import Session, run

GRAPH = "https://graph.microsoft.com/v1.0"
APP_ONLY = "Message POST is allowed in application-only context only for import purposes."


def message(text: str) -> ChatMessage:
    return ChatMessage(body=ItemBody(content=text, content_type=BodyType.Text))


def seeded_team(m365_session: Session) -> tuple[str, str]:
    """The seeded All Company team and its General channel."""
    tenant = m365_session.sandbox.tenant
    team = next(iter(tenant.teams.values()))
    return team.id, team.internal_id


def test_post_teams_answers_202_with_the_location_of_the_operation(
    m365_app: GraphServiceClient, m365_session: Session
) -> None:
    owner = m365_session.described["users"][1]
    team = Team(
        display_name="Launch Crew",
        description="Ship it",
        members=[
            AadUserConversationMember(
                roles=["owner"], additional_data={"user@odata.bind": f"{GRAPH}/users('{owner['id']}')"}
            )
        ],
        additional_data={"template@odata.bind": f"{GRAPH}/teamsTemplates('standard')"},
    )
    assert run(m365_app.teams.post(team)) is None  # 202 Accepted, no body
    accepted = next(e for e in m365_session.recorder.exchanges if e.method == "POST" and e.path == "/teams")
    assert accepted.status == 202
    location, content = accepted.headers["location"], accepted.headers["content-location"]
    team_id = content.split("'")[1]
    assert location.startswith(f"/teams('{team_id}')/operations('") and content == f"/teams('{team_id}')"
    with m365_session.http(m365_session.app_token()) as http:
        operation = http.get("/v1.0" + location.replace("('", "/").replace("')", "")).json()
        assert operation["status"] == "succeeded" and operation["targetResourceId"] == team_id
    made = run(m365_app.teams.by_team_id(team_id).get())
    assert made is not None and made.display_name == "Launch Crew"
    group = run(m365_app.groups.by_group_id(team_id).get())
    assert group is not None and group.group_types == ["Unified"]
    channels = run(m365_app.teams.by_team_id(team_id).channels.get())
    assert channels is not None and [c.display_name for c in channels.value or []] == ["General"]
    # An application must name an owner.
    with pytest.raises(ODataError) as ownerless:
        run(
            m365_app.teams.post(
                Team(
                    display_name="Nobody's",
                    additional_data={"template@odata.bind": f"{GRAPH}/teamsTemplates('standard')"},
                )
            )
        )
    assert ownerless.value.response_status_code == 400


def test_a_team_on_an_existing_group(m365_app: GraphServiceClient, m365_session: Session) -> None:
    group = run(
        m365_app.groups.post(
            Group(
                display_name="Design",
                mail_enabled=True,
                mail_nickname="design",
                security_enabled=False,
                group_types=["Unified"],
            )
        )
    )
    assert group is not None and group.id
    team = run(m365_app.groups.by_group_id(group.id).team.put(Team()))
    assert team is not None and team.id == group.id and team.display_name == "Design"
    with pytest.raises(ODataError) as twice:
        run(m365_app.groups.by_group_id(group.id).team.put(Team()))
    assert twice.value.response_status_code == 409
    security = run(
        m365_app.groups.post(
            Group(display_name="Sec", mail_enabled=False, mail_nickname="sec", security_enabled=True)
        )
    )
    assert security is not None and security.id
    with pytest.raises(ODataError) as not_unified:
        run(m365_app.groups.by_group_id(security.id).team.put(Team()))
    assert not_unified.value.response_status_code == 400


def test_channels(m365_app: GraphServiceClient, m365_session: Session) -> None:
    team_id, general = seeded_team(m365_session)
    channels = m365_app.teams.by_team_id(team_id).channels
    made = run(channels.post(Channel(display_name="Release Planning", description="Dates and scope")))
    assert (
        made is not None
        and made.id
        and made.id.endswith("@thread.tacv2")
        and made.membership_type is not None
    )
    with pytest.raises(ODataError) as duplicate:
        run(channels.post(Channel(display_name="release planning")))
    assert duplicate.value.response_status_code == 400
    assert duplicate.value.error is not None
    assert duplicate.value.error.message == "Channel name already existed, please use other name."
    listed = run(channels.get())
    assert listed is not None
    assert [c.display_name for c in listed.value or []] == ["General", "Announcements", "Release Planning"]
    run(channels.by_channel_id(made.id).delete())
    with pytest.raises(ODataError) as general_stays:
        run(channels.by_channel_id(general).delete())
    assert general_stays.value.response_status_code == 400
    with pytest.raises(ODataError) as gone:
        run(channels.by_channel_id(made.id).get())
    assert gone.value.response_status_code == 404


def test_application_posts_are_refused_and_delegated_ones_carry_their_user(
    m365_app: GraphServiceClient, m365_session: Session
) -> None:
    team_id, general = seeded_team(m365_session)
    with pytest.raises(ODataError) as refused:
        run(m365_app.teams.by_team_id(team_id).channels.by_channel_id(general).messages.post(message("hi")))
    # Graph says 401 Unauthorized here (not 403), with a message naming imports as the only exception.
    assert refused.value.response_status_code == 401
    assert refused.value.error is not None and refused.value.error.code == "Unauthorized"
    assert APP_ONLY in (refused.value.error.message or "")

    person = m365_session.described["users"][2]
    user = m365_session.graph(m365_session.user_credential(2))
    messages = user.teams.by_team_id(team_id).channels.by_channel_id(general).messages
    posted = run(
        messages.post(
            ChatMessage(
                body=ItemBody(content="<p>Standup moved to 10:00</p>", content_type=BodyType.Html),
                subject="Standup",
            )
        )
    )
    assert posted is not None and posted.id and posted.from_ is not None and posted.from_.user is not None
    assert posted.from_.user.id == person["id"] and posted.from_.user.display_name == person["name"]
    assert posted.body is not None and posted.body.content_type == BodyType.Html
    assert posted.channel_identity is not None and posted.channel_identity.channel_id == general
    replies = messages.by_chat_message_id(posted.id).replies
    reply = run(
        m365_session.graph(m365_session.user_credential(3))
        .teams.by_team_id(team_id)
        .channels.by_channel_id(general)
        .messages.by_chat_message_id(posted.id)
        .replies.post(message("Thanks!"))
    )
    assert reply is not None and reply.reply_to_id == posted.id
    listed = run(replies.get())
    assert listed is not None and [r.id for r in listed.value or []] == [reply.id]
    # The application reads what people wrote (ChannelMessage.Read.All).
    read = run(
        m365_app.teams.by_team_id(team_id)
        .channels.by_channel_id(general)
        .messages.by_chat_message_id(posted.id)
        .get()
    )
    assert read is not None and read.subject == "Standup"


def test_a_user_outside_the_team_cannot_post(m365_app: GraphServiceClient, m365_session: Session) -> None:
    tenant = m365_session.sandbox.tenant
    team_id, general = seeded_team(m365_session)
    person = m365_session.described["users"][1]
    tenant.groups[team_id].members.remove(person["id"])
    with pytest.raises(ODataError) as outsider:
        run(
            m365_session.graph(m365_session.user_credential(1))
            .teams.by_team_id(team_id)
            .channels.by_channel_id(general)
            .messages.post(message("let me in"))
        )
    assert outsider.value.response_status_code == 403


def test_messages_page_with_top_and_next_link(m365_session: Session) -> None:
    team_id, general = seeded_team(m365_session)
    user = m365_session.graph(m365_session.user_credential(1))
    messages = user.teams.by_team_id(team_id).channels.by_channel_id(general).messages

    async def scenario() -> list[str]:
        for index in range(7):
            await messages.post(message(f"update {index}"))
        config = RequestConfiguration(
            query_parameters=MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(top=3)
        )
        page = await messages.get(request_configuration=config)
        seen: list[str] = []
        while page is not None:
            seen += [m.id or "" for m in page.value or []]
            if not page.odata_next_link:
                break
            page = await messages.with_url(page.odata_next_link).get()
        return seen

    seen = run(scenario())
    assert len(seen) == len(set(seen)) == 8  # the seeded one and seven new
    assert seen == sorted(seen, key=int, reverse=True)  # newest first
