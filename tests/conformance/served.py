"""The emulators a conformance case serves, each known by the base URL its tenant is reached at."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from tests.support.servers import serve_asgi

S = TypeVar("S")


class ServedTenants(Generic[S]):
    def __init__(self) -> None:
        self._by_base: dict[str, S] = {}

    def __getitem__(self, base: str) -> S:
        return self._by_base[base]

    @contextlib.contextmanager
    def serve(self, sandbox: S, *, path: str = "",
              forget: Callable[[str], Any] | None = None) -> Iterator[str]:
        """Serve ``sandbox`` on loopback; yields its base URL (the server's URL + ``path``). When it stops,
        the tenant is forgotten, and ``forget(base)`` drops what the case kept for it."""
        with serve_asgi(sandbox) as url:
            base = url + path
            self._by_base[base] = sandbox
            try:
                yield base
            finally:
                del self._by_base[base]
                if forget is not None:
                    forget(base)
