"""Keeping in sync: ``/events`` (sync tokens) and ``/webhooks`` (X-Hook-Secret handshake, then signed
deliveries of the same events). The event log is ``Store.events``; ``Dispatcher`` pushes it to targets.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tenantsim.sandbox.asana.render import Renderer
from tenantsim.sandbox.asana.store import Record, Store
from tenantsim.sandbox.asana.web import (
    ERRORS_HELP,
    ApiError,
    body_data,
    empty,
    lookup,
    missing,
    one,
    page,
    renderer,
    store_of,
    unknown_id,
    viewer,
)

EVENTS_PER_SYNC = 1000  # "Asana limits a single sync token to 1000 events" (the spec)
SYNC_INVALID = ("Sync token invalid or too old. If you are attempting to keep resources in sync, you must "
                "fetch the full dataset for this query now and use the new sync token for the next sync.")
WATCHABLE = ("task", "project", "section", "tag", "workspace", "team", "portfolio", "story")
HANDSHAKE_TIMEOUT = 10.0
DELIVERY_TIMEOUT = 10.0


# -- events -----------------------------------------------------------------------------------------
async def get_events(request: Request) -> JSONResponse:
    store = store_of(request)
    resource = request.query_params.get("resource")
    if resource is None:
        raise missing("resource")
    record = store.records.get(resource)
    if record is None or record["resource_type"] not in WATCHABLE:
        raise unknown_id("resource", resource)
    since = store.sync_position(request.query_params.get("sync"), resource)
    if since is None:
        return JSONResponse({"errors": [{"message": SYNC_INVALID, "help": ERRORS_HELP}],
                             "sync": store.new_sync_token(resource)}, status_code=412)
    events, position, has_more = store.events_since(resource, since, EVENTS_PER_SYNC)
    draw = renderer(request)
    next_token = store.new_sync_token(resource, position)
    return JSONResponse({"data": [draw.event(e) for e in events], "sync": next_token, "has_more": has_more})


# -- webhooks ---------------------------------------------------------------------------------------
def _filters(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(f, dict) for f in value):
        raise ApiError(400, "filters: Must be an array of filter objects")
    allowed = {"resource_type", "resource_subtype", "action", "fields"}
    return [{k: v for k, v in f.items() if k in allowed} for f in value]


def passes(webhook: Record, event: dict[str, Any]) -> bool:
    if webhook["resource"] not in event["scopes"]:
        return False
    if not webhook["filters"]:
        return True
    for rule in webhook["filters"]:
        if rule.get("resource_type") not in (None, event["type"]):
            continue
        if rule.get("action") not in (None, event["action"]):
            continue
        fields = rule.get("fields")
        if fields and event.get("change", {}).get("field") not in fields:
            continue
        return True
    return False


async def _handshake(target: str, secret: str) -> str | None:
    """POST the secret to the target; None when it echoed it back with 200/204, else why not."""
    try:
        async with httpx.AsyncClient(timeout=HANDSHAKE_TIMEOUT) as client:
            answer = await client.post(target, headers={"X-Hook-Secret": secret}, content=b"")
    except httpx.HTTPError as exc:
        return f"could not reach the target: {type(exc).__name__}"
    if answer.status_code not in (200, 204):
        return f"the target answered {answer.status_code}"
    if answer.headers.get("x-hook-secret") != secret:
        return "the target did not echo the X-Hook-Secret header"
    return None


async def create_webhook(request: Request) -> JSONResponse:
    store = store_of(request)
    data = await body_data(request)
    if data.get("resource") is None:
        raise missing("resource")
    resource = store.records.get(str(data["resource"]))
    if resource is None or resource["resource_type"] not in WATCHABLE:
        raise unknown_id("resource", data["resource"])
    target = data.get("target")
    if not target:
        raise missing("target")
    if not str(target).startswith(("https://", "http://")):
        raise ApiError(400, f"target: Not a valid URL: {target}")
    filters = _filters(data.get("filters"))
    if resource["resource_type"] in ("workspace", "team", "portfolio") and not filters:
        raise ApiError(400, "filters: Webhooks on higher-level resources require filters")
    for existing in store.of_type("webhook"):
        if existing["resource"] == resource["gid"] and existing["target"] == target:
            raise ApiError(403, "Duplicate webhook")
    secret = secrets.token_hex(32)
    problem = await _handshake(str(target), secret)
    if problem is not None:
        raise ApiError(400, f"target: The remote server did not complete the webhook handshake ({problem})")
    workspace = resource.get("workspace") or resource.get("organization") or store.organization["gid"]
    webhook = store.add("webhook", resource=resource["gid"], target=str(target), active=True,
                        filters=filters, secret=secret, position=store.event_seq, owner=viewer(request),
                        workspace=workspace, last_success_at=None, last_failure_at=None,
                        last_failure_content="")
    return one(request, webhook, 201)


async def get_webhooks(request: Request) -> JSONResponse:
    store = store_of(request)
    workspace = request.query_params.get("workspace")
    if workspace is None:
        raise missing("workspace")
    if store.get(workspace, "workspace") is None:
        raise unknown_id("workspace", workspace)
    resource = request.query_params.get("resource")
    found = [w for w in store.of_type("webhook") if w["workspace"] == workspace
             and w["owner"] == viewer(request) and resource in (None, w["resource"])]
    return page(request, found)


async def get_webhook(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["webhook_gid"], "webhook"))


async def update_webhook(request: Request) -> JSONResponse:
    webhook = lookup(request, request.path_params["webhook_gid"], "webhook")
    data = await body_data(request)
    if "filters" in data:
        webhook["filters"] = _filters(data["filters"])
    return one(request, webhook)


async def delete_webhook(request: Request) -> JSONResponse:
    store_of(request).delete_plain(lookup(request, request.path_params["webhook_gid"], "webhook"))
    return empty()


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Dispatcher:
    """Delivers new events to each active webhook's target, in order, one POST at a time per webhook:
    ``{"events": [...]}`` signed with ``X-Hook-Signature`` (HMAC-SHA256 of the body, keyed by the secret).
    A failed delivery is recorded (``last_failure_*``) and retried with the next batch."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()
        self._locks: dict[str, asyncio.Lock] = {}

    def kick(self, store: Store) -> None:
        if not store.records.count("webhook"):
            return
        task = asyncio.get_running_loop().create_task(self.deliver(store))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def deliver(self, store: Store) -> None:
        for webhook in list(store.of_type("webhook")):
            lock = self._locks.setdefault(webhook["gid"], asyncio.Lock())
            async with lock:
                await self._deliver_one(store, webhook)

    async def _deliver_one(self, store: Store, webhook: Record) -> None:
        if not webhook["active"] or webhook["gid"] not in store.records:
            return
        upto = store.event_seq
        events = [e for e in store.events_after(webhook["position"]) if passes(webhook, e)]
        if not events:
            webhook["position"] = max(webhook["position"], upto)
            return
        draw = Renderer(store, webhook["owner"])
        body = json.dumps({"events": [draw.event(e, compact=True) for e in events]}).encode()
        headers = {"Content-Type": "application/json", "X-Hook-Signature": sign(webhook["secret"], body)}
        try:
            async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT) as client:
                answer = await client.post(webhook["target"], content=body, headers=headers)
            ok, detail = 200 <= answer.status_code < 300, f"{answer.status_code} {answer.text[:200]}"
        except httpx.HTTPError as exc:
            ok, detail = False, type(exc).__name__
        if ok:
            webhook["position"] = max(webhook["position"], events[-1]["seq"])
            webhook["last_success_at"] = time.time()
        else:
            webhook["last_failure_at"] = time.time()
            webhook["last_failure_content"] = detail

    async def drain(self) -> None:
        """Wait for deliveries under way (tests; shutdown)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)


ROUTES = [
    Route("/events", get_events, methods=["GET"]),
    Route("/webhooks", get_webhooks, methods=["GET"]),
    Route("/webhooks", create_webhook, methods=["POST"]),
    Route("/webhooks/{webhook_gid}", get_webhook, methods=["GET"]),
    Route("/webhooks/{webhook_gid}", update_webhook, methods=["PUT"]),
    Route("/webhooks/{webhook_gid}", delete_webhook, methods=["DELETE"]),
]
