"""Secrets at rest and in sight: Fernet encryption for storage, masking for every response, scrubbing
for every line of text that leaves the process (logs, error messages, activity entries).

The key comes from TENANTSIM_SECRET_KEY, or is generated once into ``<var_dir>/secret.key`` (0600).
TENANTSIM_SECRET_KEY may list several keys separated by commas: the first encrypts, all decrypt (so a
key can be rotated while jobs sealed with the old one still exist).
"""

from __future__ import annotations

import copy
import json
import os
import re
import stat
import threading
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from tenantsim.settings import UnsafeConfig

# Fields that are secrets wherever they appear in a job configuration or request.
SECRET_FIELDS = frozenset({"token", "api_key", "anthropic_api_key", "password", "client_secret"})
# Anything else named like a credential is treated as one too (extra fields are accepted and kept).
_SECRET_NAME = re.compile(r"(^|_)(token|secret|password|passwd|apikey|api_key|private_key|credentials?)$",
                          re.IGNORECASE)
# Shorter values are not remembered for scrubbing: they would blot out ordinary words.
MIN_SCRUB_LENGTH = 8
MAX_REMEMBERED = 10_000
KEY_HELP = ("generate one with: python -c \"from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())\"")


def is_secret_field(name: object) -> bool:
    return isinstance(name, str) and (name in SECRET_FIELDS or bool(_SECRET_NAME.search(name)))


class SecretBox:
    def __init__(self, key: bytes) -> None:
        keys = [k.strip() for k in key.split(b",") if k.strip()]
        try:
            fernets = [Fernet(k) for k in keys]
            self._fernet = MultiFernet(fernets)
        except (ValueError, TypeError):
            raise UnsafeConfig(f"TENANTSIM_SECRET_KEY is not a valid Fernet key; {KEY_HELP}") from None
        self._primary = fernets[0]

    def seal(self, value: Any) -> str:
        return self._fernet.encrypt(json.dumps(value).encode()).decode()

    def open(self, sealed: str) -> Any:
        try:
            return json.loads(self._fernet.decrypt(sealed.encode()))
        except InvalidToken:
            raise ValueError("stored secrets cannot be decrypted with this server's secret key") from None

    def sealed_with_primary(self, sealed: str) -> bool:
        """True when the first key (the one that seals) opens ``sealed``: not an older, rotated-out one."""
        try:
            self._primary.decrypt(sealed.encode())
        except InvalidToken:
            return False
        return True


def load_or_create_key(configured: str | None, var_dir: Path) -> bytes:
    if configured:
        return configured.encode()
    path = var_dir / "secret.key"
    var_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made earlier, or by a server starting at the same moment
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, 0o600)  # readable by others: tighten it, the file is the key to every token
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    try:
        os.write(fd, key)
    finally:
        os.close(fd)
    return key


def key_source(configured: str | None, var_dir: Path) -> str:
    """Where a server's key came from, for messages (never the key itself)."""
    return "TENANTSIM_SECRET_KEY" if configured else f"{var_dir / 'secret.key'}"


def mask(value: str | None) -> str | None:
    """``00abcdef…123459f`` -> ``00ab…9f``: enough to recognise, never enough to use."""
    if value is None:
        return None
    if len(value) < 16:
        return "…"
    return f"{value[:4]}…{value[-2:]}"


# -- scrubbing: every secret the process has seen is replaced by its mask in outgoing text -------------

_known: tuple[str, ...] = ()
_known_lock = threading.Lock()


def remember(value: object) -> None:
    """Note a secret so ``scrub`` hides it from any text it later turns up in."""
    global _known
    if not isinstance(value, str) or len(value) < MIN_SCRUB_LENGTH or value in _known:
        return
    with _known_lock:
        if value not in _known:
            # Longest first, so a secret that contains another is replaced whole.
            _known = tuple(sorted((*_known[-(MAX_REMEMBERED - 1):], value), key=len, reverse=True))


def remember_all(config: Any) -> None:
    """Remember every secret field found anywhere in a (nested) configuration or request body."""
    for _path, value in _secret_paths(config, ()):
        remember(value)


def scrub(text: str) -> str:
    for secret in _known:
        if secret in text:
            text = text.replace(secret, mask(secret) or "…")
    return text


# -- storage: the public part keeps masked values, the sealed part holds the real ones ----------------

def _secret_paths(value: Any, path: tuple[Any, ...],
                  inside_secret: bool = False) -> list[tuple[tuple[Any, ...], str]]:
    """Every string that is a secret: under a secret-named key, at any depth (JSON-shaped data)."""
    if isinstance(value, str):
        return [(path, value)] if inside_secret else []
    found: list[tuple[tuple[Any, ...], str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_secret_paths(item, (*path, key), inside_secret or is_secret_field(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_secret_paths(item, (*path, index), inside_secret))
    return found


def _set_path(target: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def split_secrets(config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate a job config into (public part, secret part). The public part keeps masked values."""
    public = copy.deepcopy(config)
    paths = _secret_paths(config, ())
    for path, value in paths:
        remember(value)
        _set_path(public, path, mask(value))
    return public, {"paths": [[list(path), value] for path, value in paths]}


def join_secrets(public: dict[str, Any], secret: dict[str, Any]) -> dict[str, Any]:
    """Inverse of split_secrets: the full configuration a running job needs."""
    full = copy.deepcopy(public)
    if "paths" not in secret:
        return _join_flat(full, secret)
    for path, value in secret["paths"]:
        try:
            _set_path(full, tuple(path), value)
        except (KeyError, IndexError, TypeError):
            continue  # the public part changed shape (an older row): skip what no longer fits
        remember(value)
    return full


def _join_flat(full: dict[str, Any], secret: dict[str, Any]) -> dict[str, Any]:
    """The first storage format: top-level fields plus a list of user_tokens tokens."""
    for key, value in secret.items():
        if key == "user_tokens":
            full[key] = [{**t, "token": tok} for t, tok in zip(full.get(key, []), value, strict=False)]
            for tok in value:
                remember(tok)
        else:
            full[key] = value
            remember(value)
    return full
