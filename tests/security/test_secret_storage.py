"""Secrets at rest: encrypted with a key that is the operator's or a 0600 file; masked in sight;
scrubbed from log lines, tracebacks and error text."""

from __future__ import annotations

import io
import logging
import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tenantsim.logging_setup import configure_logging
from tenantsim.secretbox import (
    SecretBox,
    join_secrets,
    load_or_create_key,
    mask,
    remember,
    scrub,
    split_secrets,
)
from tenantsim.settings import UnsafeConfig

OKTA_TOKEN = "00RECOGNISABLE-okta-token-aaaaaaaaaaaaaaaaaaaa"
ASANA_TOKEN = "2/1111111111/2222222222:RECOGNISABLEasanaTOKEN"
ANTHROPIC_KEY = "sk-ant-api03-RECOGNISABLE-anthropic-key-zzzz"


def test_generated_key_file_is_private_and_reused(tmp_path: Path) -> None:
    var = tmp_path / "var"
    key = load_or_create_key(None, var)
    path = var / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(var.stat().st_mode) & 0o077 == 0
    assert load_or_create_key(None, var) == key
    box = SecretBox(key)
    assert box.open(box.seal({"token": OKTA_TOKEN})) == {"token": OKTA_TOKEN}


def test_a_key_file_readable_by_others_is_tightened(tmp_path: Path) -> None:
    key = load_or_create_key(None, tmp_path)
    os.chmod(tmp_path / "secret.key", 0o644)
    assert load_or_create_key(None, tmp_path) == key
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600


def test_configured_key_wins_and_no_file_is_written(tmp_path: Path) -> None:
    configured = Fernet.generate_key().decode()
    assert load_or_create_key(configured, tmp_path) == configured.encode()
    assert not (tmp_path / "secret.key").exists()


def test_a_malformed_key_is_refused_with_how_to_make_one() -> None:
    with pytest.raises(UnsafeConfig, match=r"not a valid Fernet key.*generate_key"):
        SecretBox(b"correct horse battery staple")


def test_rotation_old_key_still_opens_what_it_sealed() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    sealed_with_old = SecretBox(old).seal([OKTA_TOKEN])
    rotated = SecretBox(new + b"," + old)
    assert rotated.open(sealed_with_old) == [OKTA_TOKEN]
    assert SecretBox(new).open(rotated.seal("x")) == "x"  # the first key encrypts
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox(new).open(sealed_with_old)


def test_split_keeps_only_masks_in_the_public_part_at_any_depth() -> None:
    config = {
        "industry": "technology", "anthropic_api_key": ANTHROPIC_KEY,
        "user_tokens": [{"name": "admin", "token": OKTA_TOKEN, "org_url": "https://dev-1.okta.com"},
                        {"name": "b", "token": ASANA_TOKEN, "extra_secret": "s3cr3t-value-long"}],
        "custom": {"client_secret": "nested-client-secret-value", "password": "hunter2-hunter2"},
        "initial_users": 50,
    }
    public, secret = split_secrets(config)
    text = repr(public)
    for value in (OKTA_TOKEN, ASANA_TOKEN, ANTHROPIC_KEY, "s3cr3t-value-long", "nested-client-secret-value",
                  "hunter2-hunter2"):
        assert value not in text
    assert public["user_tokens"][0]["token"] == "00RE…aa"
    assert public["user_tokens"][0]["org_url"] == "https://dev-1.okta.com"
    assert public["anthropic_api_key"] == "sk-a…zz"
    assert public["initial_users"] == 50
    assert join_secrets(public, secret) == config


def test_mask_never_shows_most_of_a_short_value() -> None:
    assert mask(OKTA_TOKEN) == "00RE…aa"
    assert mask("short-token") == "…"
    assert mask(None) is None


def test_scrub_replaces_every_remembered_secret() -> None:
    remember(OKTA_TOKEN)
    remember(ASANA_TOKEN)
    text = scrub(f"GET /api/v1/users failed with {OKTA_TOKEN}; retry {ASANA_TOKEN}")
    assert OKTA_TOKEN not in text and ASANA_TOKEN not in text
    assert "00RE…aa" in text


def test_log_lines_and_tracebacks_are_redacted() -> None:
    remember(OKTA_TOKEN)
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("debug", stream=stream)
        log = logging.getLogger("tenantsim.test")
        log.info("calling with SSWS %s", OKTA_TOKEN)
        log.info("header Authorization: Bearer %s", ASANA_TOKEN)
        log.info("anthropic key %s", ANTHROPIC_KEY)
        try:
            raise RuntimeError(f"token rejected: {OKTA_TOKEN}")
        except RuntimeError:
            log.exception("request failed")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    output = stream.getvalue()
    assert "request failed" in output and "RuntimeError" in output  # the record is still useful
    for secret in (OKTA_TOKEN, ASANA_TOKEN, ANTHROPIC_KEY):
        assert secret not in output
