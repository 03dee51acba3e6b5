"""A person signs in to Okta and opens their apps, as the company's ``sign_in`` event says.

Primary authentication goes through the Authentication API (``/api/v1/authn``) with the password the
job set, sent as a trusted app would: with the person's address (in their office's region, or abroad
when travelling), browser and device. Okta then writes ``user.session.start`` with the person as actor
and their geography. What the event says happened, happens:

* ``mistyped_password``: one wrong password first (a failed ``user.session.start``);
* ``locked_out``: wrong passwords until Okta locks the account (``user.account.lock``); the help desk
  unlocks it and the person signs in;
* ``mfa_challenge`` / ``new_country``: a new device or country, for which Okta asks a person with an
  authenticator app for its code (``user.authentication.auth_via_mfa``), computed from their secret.

The session token then opens the person's apps in their browser: ``/login/sessionCookieRedirect`` to
the app's embed link, then the other apps with the session cookie (``user.authentication.sso``).
A person whose password is not the one the job expects (changed outside the job) has it set again,
as a help desk would, and signs in next time.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from tenantsim.connectors.http import tls_context
from tenantsim.connectors.okta import credentials, geo, totp
from tenantsim.connectors.okta.client import OktaClient
from tenantsim.connectors.okta.state import PASSWORD_GENERATION, TOTP_SECRET, OrgState
from tenantsim.errors import AuthError, Skippable
from tenantsim.scenario.company import Employee
from tenantsim.scenario.events import Event

LOCKOUT_TRIES = 12  # more than any default lock-out threshold (Okta's is 10)
WRONG = "-not-my-password-1A"


def _forwarded(state: OrgState, person: Employee, event: Event) -> dict[str, str]:
    office = state.company.office_of(person)
    country = str(event.details.get("country") or office.country)
    zone = office.time_zone if country == office.country else ""
    phone = bool(event.details.get("device"))
    fresh = event.details.get("outcome") in ("mfa_challenge", "new_country")
    device = (person.key, "phone" if phone else "laptop", *((event.seq,) if fresh else ()))
    return {"X-Forwarded-For": geo.address(country, zone, person.key, phone),
            "User-Agent": geo.user_agent(phone, person.key), "X-Device-Fingerprint": geo.device(*device)}


async def _attempt(client: OktaClient, login: str, password: str, headers: dict[str, str]) -> dict[str, Any]:
    """One primary authentication; a refused password is ``{"status": "FAILED"}``."""
    try:
        return await client.authn(login, password, headers)
    except AuthError as exc:
        if exc.code == "E0000004":
            return {"status": "FAILED"}
        raise


async def sign_in(state: OrgState, event: Event) -> None:
    person = state.company.people.get(event.person or "")
    uid = state.user_id(event.person)
    if person is None or uid is None or not person.active:
        return
    login = state.company.email(person)
    client = state.acting("sign_in", event.seq).client
    headers = _forwarded(state, person, event)
    outcome = str(event.details.get("outcome") or "success")
    try:
        if outcome == "mistyped_password":
            await _attempt(client, login, person.first_name.lower() + WRONG, headers)
        elif outcome == "locked_out":
            for _ in range(LOCKOUT_TRIES):
                if (await _attempt(client, login, person.last_name.lower() + WRONG, headers)).get("status") \
                        == "LOCKED_OUT":
                    break
            await client.unlock(uid)  # the help desk, after a call
        answer = await _attempt(client, login, state.password_of(person), headers)
        if answer.get("status") == "FAILED":
            await _set_again(state, client, person, uid)
            return
        if answer.get("status") == "MFA_REQUIRED":
            answer = await _second_factor(state, client, person, answer, headers)
        token = answer.get("sessionToken")
        if answer.get("status") == "SUCCESS" and token:
            await _open_apps(client, uid, str(token), [str(a) for a in event.details.get("apps") or []],
                             headers)
    except Skippable as exc:  # the org said no to this step: the sign-in ends there, as it would
        state.ctx.activity("notice", f"{person.name}'s sign-in stopped: {exc.message}", [])


async def _set_again(state: OrgState, client: OktaClient, person: Employee, uid: str) -> None:
    """The password was changed outside the job: set it again, as a help desk would."""
    entry = state.ctx.ledger.get("user", person.key)
    generation = int((entry.attrs if entry is not None else {}).get(PASSWORD_GENERATION) or 0) + 1
    await client.set_password(uid, state.password_of(person, generation))
    state.ctx.ledger.update_attrs("user", person.key, {PASSWORD_GENERATION: generation})


async def _second_factor(state: OrgState, client: OktaClient, person: Employee, answer: dict[str, Any],
                         headers: dict[str, str]) -> dict[str, Any]:
    entry = state.ctx.ledger.get("user", person.key)
    sealed = (entry.attrs if entry is not None else {}).get(TOTP_SECRET)
    secret = credentials.unseal(state.secret_key(), str(sealed)) if sealed else None
    factors = (answer.get("_embedded") or {}).get("factors") or []
    chosen = next((f for f in factors if f.get("factorType") == "token:software:totp"), None)
    if secret is None or chosen is None:
        return {"status": "ABANDONED"}  # no app at hand: the person gives up for now
    return await client.authn_verify(str(chosen["id"]), str(answer.get("stateToken")), totp.code(secret),
                                     headers)


async def _open_apps(client: OktaClient, uid: str, token: str, labels: list[str],
                     headers: dict[str, str]) -> None:
    """The person's browser: a session from the token, then each app's embed link (same org only)."""
    links = {str(link.get("label")): str(link.get("linkUrl")) for link in await client.app_links(uid)}
    urls = [links[label] for label in labels if label in links]
    origin = urlsplit(client.org_url)
    urls = [u for u in urls if urlsplit(u).netloc == origin.netloc]
    browser_headers = {"User-Agent": headers["User-Agent"], "X-Forwarded-For": headers["X-Forwarded-For"]}
    async with httpx.AsyncClient(transport=client.transport, timeout=client.timeout, follow_redirects=False,
                                 headers=browser_headers, verify=tls_context()) as browser:
        first = urls[0] if urls else f"{client.org_url}/app/UserHome"
        try:
            started = await browser.get(f"{client.org_url}/login/sessionCookieRedirect",
                                        params={"token": token, "redirectUrl": first})
            if not urls or started.status_code != 302:
                return
            for url in urls:
                await browser.get(url)
        except httpx.HTTPError as exc:  # the browser part is best effort: the sign-in itself happened
            raise Skippable(f"opening apps failed ({type(exc).__name__})", 0, "browser") from None

