"""The official Okta Python SDK (PyPI ``okta``) drives the emulator over real loopback HTTP.

If the emulator drifted from what Okta's own SDK sends and parses, these calls would fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from okta.client import Client as OktaClient
from okta.models import CreateUserRequest, PasswordCredential, UserCredentialsWritable, UserProfile
from okta.pagination import PaginationHelper

from tenantsim.sandbox.okta import DEFAULT_TOKEN, OktaSandbox, create_app
from tests.support.servers import serve_asgi


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OktaSandbox, str]]:
    sandbox = create_app(users=9, seed=4)
    with serve_asgi(sandbox) as base:
        yield sandbox, base


@pytest.fixture(autouse=True)
def allow_plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK's own switch for test servers (read from the environment when a client is built).
    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")


def sdk_client(base: str, token: str = DEFAULT_TOKEN) -> OktaClient:
    return OktaClient({"orgUrl": base, "token": token, "raiseException": False,
                       "rateLimit": {"maxRetries": 1}})


async def test_sdk_user_lifecycle_pagination_and_groups(served: tuple[OktaSandbox, str]) -> None:
    sandbox, base = served
    sandbox.reset()
    client = sdk_client(base)
    profile = UserProfile(first_name="Sdk", last_name="Person", email="sdk.person@acme.example.com",
                          login="sdk.person@acme.example.com", department="Engineering")
    body = CreateUserRequest(profile=profile,
                             credentials=UserCredentialsWritable(password=PasswordCredential(value="Tr1cky-Pass")))
    user, _, error = await client.create_user(body, activate=True)
    assert error is None, error
    assert user.status.value == "ACTIVE" and user.profile.login == "sdk.person@acme.example.com"

    fetched, _, error = await client.get_user(user.id)
    assert error is None and fetched.id == user.id

    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        batch, response, error = await client.list_users(limit=4, after=after)
        assert error is None, error
        seen.extend(u.id for u in batch)
        pages += 1
        after = PaginationHelper.extract_next_cursor(response.headers)  # the SDK's own Link parsing
        if after is None:
            break
    assert pages == 3 and len(set(seen)) == len(seen) == 11  # 9 people, the admin and the new user

    group, _, error = await client.add_group({"profile": {"name": "SDK Testers", "description": "via SDK"}})
    assert error is None, error
    _, _, error = await client.assign_user_to_group(group.id, user.id)
    assert error is None, error
    members, _, error = await client.list_group_users(group.id)
    assert error is None and [m.id for m in members] == [user.id]

    _, _, error = await client.deactivate_user(user.id)
    assert error is None, error
    gone, _, error = await client.get_user(user.id)
    assert gone.status.value == "DEPROVISIONED"
    _, _, error = await client.delete_user(user.id)
    assert error is None, error
    _, _, error = await client.get_user(user.id)
    assert error is not None and "E0000007" in str(error)
    assert user.id not in sandbox.org.users


async def test_sdk_sees_okta_errors_for_bad_tokens(served: tuple[OktaSandbox, str]) -> None:
    _, base = served
    client = sdk_client(base, "00not-a-real-token")
    _, _, error = await client.list_users()
    assert error is not None and "E0000011" in str(error)
