"""Reading a Salesforce emulator back as a customer's tool would: simple-salesforce over real loopback HTTP
(it speaks https only, so a transport adapter sends its calls to the emulator's plain http port), with a
session from the emulator's own OAuth token endpoint."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce

from tenantsim.connectors.base import ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.connectors.salesforce.config import validate
from tenantsim.connectors.salesforce.connector import SalesforceConnector
from tenantsim.connectors.spec import ConfigContext
from tenantsim.sandbox.salesforce import SalesforceSandbox, create_app
from tests.support.servers import serve_asgi

SOBJECTS = ("Account", "Contact", "Opportunity", "Case", "CaseComment", "Lead", "Task", "Event")


class _PlainHttp(HTTPAdapter):
    """simple-salesforce builds https URLs on the instance's host; the emulator listens on plain http, and
    may be mounted under a path (the embedded sandbox's /sandbox/salesforce)."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/")
        self.host = base.split("://", 1)[1].split("/", 1)[0]

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        prefix = f"https://{self.host}"
        if request.url and request.url.startswith(prefix):
            request.url = self.base + request.url[len(prefix):]
        return super().send(request, *args, **kwargs)


@contextlib.contextmanager
def emulator(**options: Any) -> Iterator[tuple[SalesforceSandbox, str]]:
    sandbox = create_app(**{"seed": 3, **options})
    with serve_asgi(sandbox) as base:
        yield sandbox, base


def job_config(sandbox: SalesforceSandbox, base: str, **extra: Any) -> dict[str, Any]:
    """A start request for the emulator's org (its describe()'s job), normalised as the API does."""
    config = {
        "industry": "technology",
        "time_scale": 1e6,
        "content_provider": "offline",
        "accounts": 8,
        **sandbox.describe(base)["job"],
        **extra,
    }
    return {**config, **validate(config, config, ConfigContext(sandbox_mode=True))}


def connector(budgets: BudgetRegistry | None = None) -> SalesforceConnector:
    return SalesforceConnector(ConnectorRuntime(budgets=budgets or BudgetRegistry(), sandbox_mode=True))


def reader(sandbox: SalesforceSandbox, base: str) -> Salesforce:
    job = sandbox.describe(base)["job"]
    answer = httpx.post(
        f"{base}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": job["client_id"],
            "client_secret": job["client_secret"],
        },
    )
    answer.raise_for_status()
    session = requests.Session()
    plain = _PlainHttp(base)
    session.mount(f"https://{plain.host}", plain)
    return Salesforce(
        instance_url=base, session_id=answer.json()["access_token"], version="59.0", session=session
    )


def by_id(
    sf: Salesforce, sobject: str, fields: str, ids: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Every live record of ``sobject`` (only ``ids`` when given), by Id."""
    found: dict[str, dict[str, Any]] = {}
    if ids is not None and not ids:
        return found
    chunks = [ids[i : i + 200] for i in range(0, len(ids), 200)] if ids is not None else [None]
    for chunk in chunks:
        where = f" WHERE Id IN ({','.join(repr(str(i)) for i in chunk)})" if chunk else ""
        for row in sf.query_all(f"SELECT {fields} FROM {sobject}{where}")["records"]:
            found[row["Id"]] = row
    return found


def snapshot(sf: Salesforce) -> dict[str, set[str]]:
    """The ids of every live record the job could have touched: the residue check."""
    return {sobject: set(by_id(sf, sobject, "Id")) for sobject in SOBJECTS}


def active_users(sf: Salesforce) -> dict[str, dict[str, Any]]:
    rows = sf.query_all("SELECT Id, Username, Email, Name FROM User WHERE IsActive = true")["records"]
    return {r["Id"]: r for r in rows}


def ledger_mismatches(
    sf: Salesforce, ids: dict[str, dict[str, str]], attrs: dict[str, dict[str, Any]]
) -> list[str]:
    """Where the org differs from what the ledger says the job made it show: stages, statuses, priorities
    and owners of every record the job holds, and that each of them exists."""
    problems: list[str] = []
    users = active_users(sf)
    checks = {
        "opportunity": ("Opportunity", "Id, StageName, OwnerId", {"stage": "StageName", "owner": "OwnerId"}),
        "case": (
            "Case",
            "Id, Status, Priority, OwnerId",
            {"status": "Status", "priority": "Priority", "owner": "OwnerId"},
        ),
        "lead": ("Lead", "Id, Status, OwnerId", {"status": "Status", "owner": "OwnerId"}),
        "account": ("Account", "Id, OwnerId", {"owner": "OwnerId"}),
        "task": ("Task", "Id, Status, OwnerId", {"status": "Status", "owner": "OwnerId"}),
        "event": ("Event", "Id, OwnerId", {"owner": "OwnerId"}),
        "contact": ("Contact", "Id", {}),
        "casecomment": ("CaseComment", "Id", {}),
    }
    for kind, (sobject, fields, compare) in checks.items():
        made = ids.get(kind, {})
        found = by_id(sf, sobject, fields, list(made.values()))
        for key, record_id in made.items():
            row = found.get(record_id)
            if row is None:
                problems.append(f"{kind} {key} is not in Salesforce")
                continue
            for attr, field in compare.items():
                want = attrs.get(f"{kind}:{key}", {}).get(attr)
                if want is not None and row[field] != want:
                    problems.append(f"{kind} {key}: {field} {row[field]!r}, the job set {want!r}")
            if "OwnerId" in row and row["OwnerId"] not in users:
                problems.append(f"{kind} {key}: owned by {row['OwnerId']}, not an active user")
    return problems
