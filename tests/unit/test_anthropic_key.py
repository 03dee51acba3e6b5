"""The key check at job start: a cheap authenticated call whose errors never carry the key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tenantsim.content.factory import check_anthropic_key
from tenantsim.errors import AuthError, FatalError, Retriable
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.servers import free_port, serve_asgi

KEY = "sk-ant-api03-KEYCHECK-secret-value-987654"


@pytest.fixture
def fake() -> Iterator[tuple[FakeAnthropic, str]]:
    server = FakeAnthropic(KEY, models=("claude-test-1",))
    with serve_asgi(server.app()) as base_url:
        yield server, base_url


async def test_a_good_key_passes_without_a_model_call(fake: tuple[FakeAnthropic, str]) -> None:
    server, base_url = fake
    await check_anthropic_key(KEY, model="claude-test-1", base_url=base_url)
    assert server.requests == []  # only the free model lookup, no Messages call


async def test_a_bad_key_is_an_auth_error_without_the_key_in_it(fake: tuple[FakeAnthropic, str]) -> None:
    _server, base_url = fake
    wrong = "sk-ant-api03-WRONG-but-still-secret-111"
    with pytest.raises(AuthError) as caught:
        await check_anthropic_key(wrong, model="claude-test-1", base_url=base_url)
    assert caught.value.status == 401
    assert "wrong" not in str(caught.value).lower() and "sk-ant" not in str(caught.value)
    assert caught.value.__cause__ is None  # the SDK error (with its request) is not chained


async def test_an_unknown_model_is_fatal(fake: tuple[FakeAnthropic, str]) -> None:
    _server, base_url = fake
    with pytest.raises(FatalError, match="not found"):
        await check_anthropic_key(KEY, model="claude-nope", base_url=base_url)


async def test_an_unreachable_api_is_retriable() -> None:
    with pytest.raises(Retriable) as caught:
        await check_anthropic_key(KEY, model="claude-test-1", base_url=f"http://127.0.0.1:{free_port()}")
    assert KEY not in str(caught.value)
