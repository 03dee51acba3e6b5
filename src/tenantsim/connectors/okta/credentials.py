"""The company's people's own credentials in Okta: the password the job sets for each person, and the
TOTP secret of an authenticator app they enrolled. The job needs both again to sign them in.

Nothing here is stored in the clear. A password is derived, never stored: an HMAC of the person's key
and how many times it was reset, keyed by the job's own secret credentials (its admin tokens or service
app keys, which are sealed), and shaped to pass Okta's default password policy. A TOTP secret is kept
in the person's ledger row encrypted with a key derived the same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import string
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

_ALPHABET = string.ascii_letters + string.digits


def job_key(config: dict[str, Any], job_id: str, purpose: str) -> bytes:
    """32 bytes only someone holding the job's credentials can compute."""
    material = sorted(json.dumps([t.get("token"), t.get("client_id"), t.get("private_key")], sort_keys=True)
                      for t in config.get("user_tokens") or [])
    return hmac.new(json.dumps(material).encode(), f"{job_id}:{purpose}".encode(), hashlib.sha256).digest()


def password(key: bytes, person_key: str, generation: int, *avoid: str) -> str:
    """The person's password: letters and digits, then ``-Aa7`` (upper, lower, digit, symbol), without
    any three-letter part of their names (Okta's default policy)."""
    attempt = 0
    while True:
        digest = hmac.new(key, f"{person_key}:{generation}:{attempt}".encode(), hashlib.sha256).digest()
        candidate = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:14]) + "-Aa7"
        lowered = candidate.lower()
        if not any(len(part) >= 3 and part.lower() in lowered for part in avoid):
            return candidate
        attempt += 1


def seal(key: bytes, secret: str) -> str:
    return Fernet(base64.urlsafe_b64encode(key)).encrypt(secret.encode()).decode()


def unseal(key: bytes, sealed: str) -> str | None:
    """The secret, or None when it was sealed with other credentials (the job's tokens changed)."""
    try:
        return Fernet(base64.urlsafe_b64encode(key)).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None
