"""Time-based one-time passwords (RFC 6238) as an authenticator app computes them: how a person who
enrols a TOTP factor proves it by typing the code their app shows. The secret is used once and kept
nowhere."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time


def code(secret: str, at: float | None = None, *, step: int = 30, digits: int = 6) -> str:
    """The code for a base32 ``secret`` at ``at`` (now by default), HMAC-SHA1 as Okta and Google use."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)
