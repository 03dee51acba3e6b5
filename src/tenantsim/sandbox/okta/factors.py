"""MFA factors: enough of the Factors API to enroll, activate, verify, list and remove a factor.

A TOTP factor (``token:software:totp``) is enrolled with a real shared secret, handed back once in the
enrol response's ``_embedded.activation``; activating and verifying it check a code computed from that
secret (RFC 6238: 30-second steps, six digits, one step of drift either way), as an authenticator app
would produce it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from typing import Any

from tenantsim.sandbox.okta import errors as err
from tenantsim.sandbox.okta.model import PREFIX_FACTOR, Factor, User, new_id, now
from tenantsim.sandbox.okta.org import OktaOrg

# factorType -> providers Okta accepts for it
PROVIDERS = {"question": ("OKTA",), "sms": ("OKTA",), "call": ("OKTA",), "email": ("OKTA",),
             "push": ("OKTA",), "token:software:totp": ("OKTA", "GOOGLE"), "token:hotp": ("CUSTOM",),
             "webauthn": ("FIDO",), "u2f": ("FIDO",)}
AUTO_ACTIVATE = ("sms", "call", "email", "token:hotp")  # ?activate=true works for these only
QUESTIONS = {"disliked_food": "What is the food you least liked as a child?",
             "name_of_first_plush_toy": "What is the name of your first stuffed animal?",
             "first_award": "What did you earn your first medal or award for?",
             "favorite_toy": "What is the toy/stuffed animal you liked the most as a kid?",
             "first_computer_game": "What was the first computer game you played?",
             "favorite_movie_quote": "What is your favorite movie quote?",
             "first_sports_team_mascot": "What was the mascot of the first sports team you played on?",
             "first_music_purchase": "What music album or song did you first purchase?",
             "favorite_vacation_location": "Where did you go for your favorite vacation?",
             "childhood_dream_job": "What was your dream job as a child?"}


def enroll(org: OktaOrg, user: User, body: dict[str, Any], activate: bool) -> Factor:
    if user.status in ("DEPROVISIONED", "SUSPENDED"):
        raise err.wrong_status()
    factor_type = str(body.get("factorType") or "")
    provider = str(body.get("provider") or "OKTA")
    if factor_type not in PROVIDERS:
        raise err.validation("factorType", f"factorType: '{factor_type}' is not a supported factor type")
    if provider not in PROVIDERS[factor_type]:
        raise err.validation("provider", f"provider: {provider} does not support {factor_type}")
    enrolled = org.factors.setdefault(user.id, {})
    if any(f.factor_type == factor_type and f.provider == provider for f in enrolled.values()):
        raise err.validation("factorEnrollRequest", "A factor of this type is already set up.")
    given = body.get("profile") or {}
    profile, status = _profile_and_status(factor_type, given, user, activate)
    at = now()
    fid = new_id(PREFIX_FACTOR.get(factor_type, "fac"), org.rng)
    factor = Factor(id=fid, factor_type=factor_type, provider=provider, status=status, profile=profile,
                    created=at, last_updated=at)
    if factor_type == "token:software:totp":
        factor.secret = base64.b32encode(secrets.token_bytes(10)).decode()  # 16 characters, as Okta's
    enrolled[fid] = factor
    return factor


def _profile_and_status(factor_type: str, given: dict[str, Any], user: User,
                        activate: bool) -> tuple[dict[str, Any], str]:
    if factor_type == "question":
        question = str(given.get("question") or "")
        if question not in QUESTIONS:
            raise err.validation("question", "question: The security question is not valid")
        if len(str(given.get("answer") or "")) < 4:
            raise err.validation("answer", "answer: The security question answer must be at least 4 "
                                 "characters in length")
        return {"question": question, "questionText": QUESTIONS[question]}, "ACTIVE"
    if factor_type in ("sms", "call"):
        phone = str(given.get("phoneNumber") or "")
        if not phone.startswith("+") or not phone[1:].replace("-", "").isdigit():
            raise err.validation("phoneNumber", "phoneNumber: Invalid Phone Number.")
        status = "ACTIVE" if activate else "PENDING_ACTIVATION"
        return {"phoneNumber": phone}, status
    if factor_type == "email":
        email = str(given.get("email") or user.profile.get("email") or "")
        return {"email": email}, "ACTIVE" if activate else "PENDING_ACTIVATION"
    if factor_type == "token:software:totp":
        return {"credentialId": user.login}, "PENDING_ACTIVATION"
    return {}, "PENDING_ACTIVATION"


def factor(org: OktaOrg, user: User, fid: str) -> Factor:
    found = org.factors.get(user.id, {}).get(fid)
    if found is None:
        raise err.not_found("UserFactor", fid)
    return found


def activate(org: OktaOrg, user: User, fid: str, body: dict[str, Any]) -> Factor:
    found = factor(org, user, fid)
    if found.status != "PENDING_ACTIVATION":
        raise err.validation("factor", "Factor is not pending activation")
    code = str(body.get("passCode") or "")
    if found.secret is not None:
        if not totp_matches(found.secret, code):
            raise invalid_passcode()
    elif found.factor_type != "push" and not (code.isdigit() and 6 <= len(code) <= 8):
        raise err.validation("passCode", "Your passcode doesn't match our records. Please try again.")
    found.status = "ACTIVE"
    found.last_updated = now()
    return found


def remove(org: OktaOrg, user: User, fid: str) -> None:
    if user.status == "DEPROVISIONED":
        raise err.wrong_status()
    factor(org, user, fid)
    del org.factors[user.id][fid]


def verify(org: OktaOrg, user: User, fid: str, body: dict[str, Any]) -> Factor:
    """``POST .../factors/{id}/verify`` with a passCode: an active TOTP factor checks it."""
    found = factor(org, user, fid)
    if user.status not in ("ACTIVE", "PASSWORD_EXPIRED", "RECOVERY"):
        raise err.wrong_status()
    if found.status != "ACTIVE":
        raise err.OktaApiError(403, "E0000068", "Invalid Passcode/Answer", ["Factor is not active"])
    if found.secret is None:
        raise err.validation("factor", f"This sandbox verifies TOTP factors only, not {found.factor_type}")
    if not totp_matches(found.secret, str(body.get("passCode") or "")):
        raise invalid_passcode()
    return found


def invalid_passcode() -> err.OktaApiError:
    return err.OktaApiError(403, "E0000068", "Invalid Passcode/Answer",
                            ["Your passcode doesn't match our records. Please try again."])


def totp(secret: str, at: float, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 with HMAC-SHA1, as authenticator apps compute it."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", int(at // step)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def totp_matches(secret: str, code: str, at: float | None = None) -> bool:
    moment = time.time() if at is None else at
    return code.isdigit() and any(hmac.compare_digest(totp(secret, moment + drift * 30), code)
                                  for drift in (-1, 0, 1))


def activation(base: str, user: User, found: Factor) -> dict[str, Any]:
    """The enrol response's ``_embedded.activation`` of a TOTP factor: the secret and its QR code."""
    assert found.secret is not None
    qr = f"{base}/api/v1/users/{user.id}/factors/{found.id}/qr/{secrets.token_urlsafe(24)}"
    return {"timeStep": 30, "sharedSecret": found.secret, "encoding": "base32",
            "keyLength": len(found.secret), "_links": {"qrcode": {"href": qr, "type": "image/png"}}}
