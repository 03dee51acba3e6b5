"""Passwords for the accounts a job makes: strong, random, never stored or logged."""

from __future__ import annotations

import secrets
import string


def new_password(*avoid: str) -> str:
    """A strong random password that meets Okta's and Google's default policies; it contains no part
    (three characters or more) of ``avoid`` (a person's names and login)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(14)) + "-Aa7"
        lowered = candidate.lower()
        if not any(len(part) >= 3 and part.lower() in lowered for part in avoid):
            return candidate
