"""What the transport answers with: ``httpx.Response`` and ``httpx.Headers``, made cheaper to build and read.

A platform call reads a few headers of every response (the rate-limit window, the Date, cookies), and
httpx's headers scan every header and encode the name again for each lookup, after normalising every
header when they were made: together more than the parsing of the response. These keep httpx's own
list, so everything else about them is httpx's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx


class ResponseHeaders(httpx.Headers):
    """httpx's headers, made from the parser's bytes as httpx makes them from bytes, and looked up
    through an index by lower-case name built at the first lookup (dropped by any change)."""

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._list = [(name, name.lower(), value) for name, value in raw]
        self._encoding = None
        self._index: tuple[str, dict[str, str]] | None = None

    def _lookup(self) -> dict[str, str]:
        encoding = self.encoding
        if self._index is None or self._index[0] != encoding:
            index: dict[str, str] = {}
            for _, name, value in self._list:  # repeated headers are joined with commas, as httpx does
                key, text = name.decode(encoding), value.decode(encoding)
                index[key] = f"{index[key]}, {text}" if key in index else text
            self._index = (encoding, index)
        return self._index[1]

    def __getitem__(self, key: str) -> str:
        return self._lookup()[key.lower()]

    def __contains__(self, key: Any) -> bool:
        return key.lower() in self._lookup()

    def __setitem__(self, key: str, value: str) -> None:
        self._index = None
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._index = None
        super().__delitem__(key)

    def update(self, headers: Any = None) -> None:  # type: ignore[override]
        self._index = None
        super().update(headers)


class PlatformResponse(httpx.Response):
    """An ``httpx.Response`` whose request may be made only when asked for (``outgoing.py`` sends calls
    without building one, which costs more than the rest of the client's work for a call)."""

    make_request: Callable[[], httpx.Request] | None = None
    sets_cookie = True  # the transport says when not, having seen the header names once
    encoded = True

    @property
    def request(self) -> httpx.Request:
        if self._request is None and self.make_request is not None:
            self._request = self.make_request()
        return httpx.Response.request.fget(self)  # type: ignore[attr-defined]

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value

    def take(self, body: bytes) -> None:
        """The body as ``read()`` leaves it, without passing it through httpx's decoders and chunkers
        (20 of the 27 µs a small response cost in a micro-benchmark) when there is nothing to decode."""
        if self.encoded:
            self.read()
            return
        self._content = body
        self._num_bytes_downloaded = len(body)
        self.is_stream_consumed = self.is_closed = True
