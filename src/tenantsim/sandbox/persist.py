"""Durable tenant data for an emulator that must outlive its process (the embedded demo tenant).

The file is JSON: ``{"format", "version", "origin", "saved_at", "state"}``. ``origin`` is what shaped the
seeded start state (seed, size, tokens or plan). A file that cannot be read, is from another format
version or from another origin is not restored: the emulator starts from its seeded state, says so in
a warning, and the first save moves the old file aside (``<name>.rejected``) instead of overwriting it.
Merely building an emulator (say, to read the API's OpenAPI document) never touches the file.

Saves are debounced from the serving event loop with ``call_later`` rather than a lifespan task: the
emulators run mounted under the tenantsim API, where Starlette never sends a sub-app lifespan events.
Rate-limit windows, counters and fault settings are not tenant data and are never saved.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

FORMAT_VERSION = 1
SAVE_DELAY_SECONDS = 2.0
# What a damaged but parseable file raises while being turned back into state objects.
DAMAGED = (KeyError, TypeError, ValueError, AttributeError, IndexError)

log = logging.getLogger("tenantsim.sandbox")
T = TypeVar("T")


def write_atomic(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of one; only the owner may read it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class _Unusable(Exception):
    """The state file exists but must not be restored; the message says why (never its content)."""


class StatePersistence:
    """Restores one emulator's tenant data from ``path`` and keeps that file up to date."""

    def __init__(self, path: Path, *, kind: str, origin: dict[str, Any],
                 snapshot: Callable[[], dict[str, Any]], delay: float = SAVE_DELAY_SECONDS) -> None:
        self.path = Path(path)
        self.kind = kind
        self.origin = json.loads(json.dumps(origin))  # compared with what a file holds: JSON types
        self.delay = delay
        self._snapshot = snapshot
        self._dirty = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        self._generation = 0  # of the newest encoded state
        self._written = 0  # generation of the state in the file
        self._set_aside = False  # the file was not restored: move it aside before overwriting it
        self._lock = threading.Lock()

    @property
    def format_name(self) -> str:
        return f"tenantsim-sandbox-{self.kind}"

    # -- restore ----------------------------------------------------------------------------------
    def restore(self, build: Callable[[dict[str, Any]], T]) -> T | None:
        """``build(state)`` from the saved file, or None when there is nothing (usable) to restore."""
        try:
            state = self._load()
            return None if state is None else build(state)
        except _Unusable as exc:
            self._reject(str(exc))
        except DAMAGED as exc:
            self._reject(f"damaged ({type(exc).__name__})")
        return None

    def _load(self) -> dict[str, Any] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _Unusable(f"unreadable ({type(exc).__name__})") from None
        try:
            document = json.loads(raw)
        except ValueError:  # includes UnicodeDecodeError
            raise _Unusable("not valid JSON") from None
        if not isinstance(document, dict) or document.get("format") != self.format_name:
            raise _Unusable(f"not a {self.format_name} file")
        if document.get("version") != FORMAT_VERSION:
            raise _Unusable(f"format version {document.get('version')!r}; this build reads "
                            f"version {FORMAT_VERSION}")
        if document.get("origin") != self.origin:
            raise _Unusable("saved by a sandbox with another seed, size, plan or tokens")
        state = document.get("state")
        if not isinstance(state, dict):
            raise _Unusable("no state in the file")
        return state

    @property
    def rejected_path(self) -> Path:
        return self.path.with_name(self.path.name + ".rejected")

    def _reject(self, reason: str) -> None:
        self._set_aside = True
        log.warning("sandbox %s: not restoring %s: %s; starting from the seeded start state (the first save "
                    "keeps the old file as %s)", self.kind, self.path, reason, self.rejected_path.name)

    def _move_aside(self) -> None:
        self._set_aside = False
        try:
            os.replace(self.path, self.rejected_path)
        except FileNotFoundError:
            pass
        except OSError as exc:  # the tenant must keep working; say what happened to the old file
            log.warning("sandbox %s: could not keep the old %s (%s); overwriting it", self.kind, self.path,
                        type(exc).__name__)

    # -- save -------------------------------------------------------------------------------------
    def changed(self) -> None:
        """Something in the tenant changed: save within ``delay`` seconds, at most once per ``delay``."""
        self._dirty = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop serves us (a script driving the emulator directly): save now
            self.save()
            return
        if self._timer is not None and self._timer_loop is loop:
            return  # a save is already due on this loop; one that died with its loop is replaced
        self._timer = loop.call_later(self.delay, self._due)
        self._timer_loop = loop

    def _due(self) -> None:
        """On the serving loop: encode there (the state only changes on that loop), write in a thread
        so the disk never stalls the requests of the server the emulator is mounted in."""
        self._timer = None
        if not self._dirty:
            return
        generation, text = self._encode()
        asyncio.get_running_loop().run_in_executor(None, self._write, generation, text)

    def save(self) -> bool:
        """Write the current state now. Call it from the serving loop or when no request is in flight.

        A failed write is logged, not raised: a full disk must not take the server down with it."""
        self._cancel_timer()
        return self._write(*self._encode())

    def _encode(self) -> tuple[int, str]:
        self._dirty = False
        self._generation += 1
        document = {"format": self.format_name, "version": FORMAT_VERSION, "origin": self.origin,
                    "saved_at": time.time(), "state": self._snapshot()}
        return self._generation, json.dumps(document, separators=(",", ":"))

    def _write(self, generation: int, text: str) -> bool:
        with self._lock:
            if generation < self._written:  # a newer save got there first (they may run in any order)
                return True
            try:
                if self._set_aside:
                    self._move_aside()
                write_atomic(self.path, text)
            except OSError as exc:
                self._dirty = True
                log.warning("sandbox %s: could not save %s: %s", self.kind, self.path, type(exc).__name__)
                return False
            self._written = generation
        return True

    def close(self) -> None:
        """Stop the pending save and write what changed since the last one."""
        self._cancel_timer()
        if self._dirty:
            self.save()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._timer_loop = None


def rng_state(rng: random.Random) -> list[Any]:
    """A ``random.Random`` state as JSON: ids issued after a restore continue the same sequence."""
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def set_rng_state(rng: random.Random, state: list[Any]) -> None:
    version, internal, gauss = state
    rng.setstate((int(version), tuple(int(n) for n in internal), gauss))
