"""The sandbox's connected app: consumer key and secret, and the RSA key whose certificate the app holds
for the JWT bearer flow, all from the seed.
The same seed gives the same key on every run (see ``sandbox/kit/keys.py``).
"""

from __future__ import annotations

import functools
import random
import string
from dataclasses import dataclass

from tenantsim.sandbox.kit.keys import private_pem, public_pem_of, seeded_rsa_key

_KEY_ALPHABET = string.ascii_letters + string.digits + "._"


@functools.lru_cache(maxsize=8)
def private_key_pem(seed: int, bits: int = 2048) -> str:
    return private_pem(seeded_rsa_key(random.Random(f"salesforce-connected-app-key-{seed}"), bits))


@functools.lru_cache(maxsize=8)
def public_key_pem(seed: int) -> str:
    return public_pem_of(private_key_pem(seed))


@dataclass(frozen=True)
class ConnectedApp:
    name: str
    consumer_key: str
    consumer_secret: str
    seed: int

    @classmethod
    def from_seed(cls, seed: int) -> ConnectedApp:
        rng = random.Random(f"salesforce-connected-app-{seed}")
        # Consumer keys start "3MVG9" and run to 85 characters; secrets are 64 hex digits.
        key = "3MVG9" + "".join(rng.choice(_KEY_ALPHABET) for _ in range(80))
        secret = f"{rng.getrandbits(256):064X}"
        return cls(name="tenantsim sandbox integration", consumer_key=key, consumer_secret=secret, seed=seed)

    @property
    def private_key(self) -> str:
        return private_key_pem(self.seed)

    @property
    def public_key(self) -> str:
        return public_key_pem(self.seed)
