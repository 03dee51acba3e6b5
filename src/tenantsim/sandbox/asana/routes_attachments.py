"""Attachments: multipart uploads (``parent`` + ``file``) stored byte for byte, or external links
(``resource_subtype=external`` + ``url``); listed per parent, deleted, and downloaded from the
``download_url`` the record carries (like Asana's pre-signed links: no token, a per-file key instead).
"""

from __future__ import annotations

import base64
import hmac
import secrets
from email import policy
from email.message import Message
from email.parser import BytesParser
from typing import Any
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tenantsim.sandbox.asana.store import Record
from tenantsim.sandbox.asana.web import (
    ApiError,
    empty,
    error_response,
    lookup,
    missing,
    one,
    page,
    store_of,
    unknown_id,
    viewer,
)

MAX_BYTES = 100 * 1024 * 1024  # "The 100MB size limit on attachments in Asana is enforced on this endpoint"
PARENT_TYPES = ("task", "project")


Upload = tuple[str, bytes, str]  # file name, bytes, content type


def parse_multipart(content_type: str, raw: bytes) -> tuple[dict[str, str], dict[str, Upload]]:
    """multipart/form-data -> (fields, files: name -> (filename, bytes, content type))."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        raise ApiError(400, "Could not parse the multipart/form-data request body")
    fields: dict[str, str] = {}
    files: dict[str, Upload] = {}
    for part in message.iter_parts():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (unquote(filename), content, part.get_content_type())
        else:
            fields[name] = content.decode(part.get_content_charset() or "utf-8", "replace")
    return fields, files


async def _form(request: Request) -> tuple[dict[str, str], dict[str, Upload]]:
    content_type = request.headers.get("content-type", "")
    raw = await request.body()
    if len(raw) > MAX_BYTES + 64 * 1024:
        raise ApiError(413, "File is too large: attachments are limited to 100MB")
    if content_type.split(";")[0].strip().lower() != "multipart/form-data":
        raise ApiError(400, "Attachments must be uploaded as multipart/form-data")
    return parse_multipart(content_type, raw)


def _parent(request: Request, gid: str | None) -> Record:
    if not gid:
        raise missing("parent")
    store = store_of(request)
    record = store.records.get(gid)
    if record is None or record["resource_type"] not in PARENT_TYPES:
        raise unknown_id("parent", gid)
    return record


async def create_attachment(request: Request) -> JSONResponse:
    store = store_of(request)
    fields, files = await _form(request)
    parent = _parent(request, fields.get("parent"))
    subtype = fields.get("resource_subtype") or ("external" if fields.get("url") else "asana")
    common: dict[str, Any] = {"parent": parent["gid"], "created_by": viewer(request),
                              "key": secrets.token_urlsafe(16)}
    if subtype == "external":
        url = fields.get("url")
        if not url:
            raise missing("url")
        if not url.startswith(("https://", "http://")):
            raise ApiError(400, f"url: Not a valid URL: {url}")
        name = fields.get("name") or url.rstrip("/").rsplit("/", 1)[-1] or url
        attachment = store.add("attachment", name=name, resource_subtype="external", host="external",
                               url=url, size=0, content_type=None, content="", **common)
    elif subtype == "asana":
        if "file" not in files:
            raise missing("file")
        filename, content, content_type = files["file"]
        if len(content) > MAX_BYTES:
            raise ApiError(413, "File is too large: attachments are limited to 100MB")
        attachment = store.add("attachment", name=fields.get("name") or filename or "upload",
                               resource_subtype="asana", host="asana", url=None, size=len(content),
                               content_type=content_type,
                               content=base64.b64encode(content).decode("ascii"), **common)
    else:
        raise ApiError(400, f"resource_subtype: Not a valid value: {subtype}. "
                            "Expected one of asana, external")
    store.emit("added", attachment, viewer(request), parent=parent["gid"])
    return one(request, attachment)


async def get_attachment(request: Request) -> JSONResponse:
    return one(request, lookup(request, request.path_params["attachment_gid"], "attachment"))


async def get_attachments(request: Request) -> JSONResponse:
    parent = _parent(request, request.query_params.get("parent"))
    return page(request, store_of(request).records.filed("attachment", "parent", parent["gid"]))


async def delete_attachment(request: Request) -> JSONResponse:
    store = store_of(request)
    attachment = lookup(request, request.path_params["attachment_gid"], "attachment")
    store.emit("removed", attachment, viewer(request), parent=attachment["parent"])
    store.delete_plain(attachment)
    return empty()


async def download(request: Request) -> Response:
    """The file behind ``download_url``: its bytes, as uploaded. Outside ``/api/1.0`` (no token)."""
    store = store_of(request)
    record = store.get(request.path_params["attachment_gid"], "attachment")
    if record is None or record["resource_subtype"] != "asana":
        return error_response(404, "Not found")
    if not hmac.compare_digest(str(record["key"]).encode(), request.path_params["key"].encode()):
        return error_response(403, "Forbidden")
    return Response(base64.b64decode(record["content"]),
                    media_type=record["content_type"] or "application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(record['name'])}"})


ROUTES = [
    Route("/attachments", get_attachments, methods=["GET"]),
    Route("/attachments", create_attachment, methods=["POST"]),
    Route("/attachments/{attachment_gid}", get_attachment, methods=["GET"]),
    Route("/attachments/{attachment_gid}", delete_attachment, methods=["DELETE"]),
]
DOWNLOAD = Route("/_sandbox/files/{attachment_gid}/{key}/{name}", download, methods=["GET"])
