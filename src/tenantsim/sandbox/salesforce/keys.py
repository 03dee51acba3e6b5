"""The sandbox's connected app: consumer key and secret, and the RSA key whose certificate the app holds
for the JWT bearer flow, all from the seed.

``cryptography`` draws keys only from the OS random source, so the primes are found here with a seeded
generator and Miller-Rabin: the same seed gives the same key on every run, which is what lets a saved
org and a job's stored credentials survive a restart together.
"""

from __future__ import annotations

import functools
import random
import string
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p**0.5) + 1))]
_E = 65537
_KEY_ALPHABET = string.ascii_letters + string.digits + "._"


def _probably_prime(n: int, rng: random.Random, rounds: int = 40) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return n in _SMALL_PRIMES
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, rng: random.Random) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if (candidate - 1) % _E and _probably_prime(candidate, rng):
            return candidate


@functools.lru_cache(maxsize=8)
def private_key_pem(seed: int, bits: int = 2048) -> str:
    rng = random.Random(f"salesforce-connected-app-key-{seed}")
    while True:
        p, q = _prime(bits // 2, rng), _prime(bits // 2, rng)
        if p != q:
            break
    phi = (p - 1) * (q - 1)
    d = pow(_E, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=d % (p - 1),
        dmq1=d % (q - 1),
        iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(_E, p * q),
    )
    return (
        numbers.private_key()
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )


@functools.lru_cache(maxsize=8)
def public_key_pem(seed: int) -> str:
    key = serialization.load_pem_private_key(private_key_pem(seed).encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


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
