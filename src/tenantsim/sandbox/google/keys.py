"""The sandbox's one service account: an RSA key pair and the key JSON a job loads, both from the seed.

``cryptography`` draws keys only from the OS random source, so the primes are found here with a seeded
generator and Miller-Rabin: the same seed gives the same key file on every run and every machine, which is
what lets a saved tenant and a job's stored credentials survive a restart together.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p ** 0.5) + 1))]
_E = 65537


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
        candidate = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1  # top bits: full size
        if (candidate - 1) % _E and _probably_prime(candidate, rng):
            return candidate


@functools.lru_cache(maxsize=8)
def private_key_pem(seed: int, bits: int = 2048) -> str:
    rng = random.Random(f"google-service-account-key-{seed}")
    while True:
        p, q = _prime(bits // 2, rng), _prime(bits // 2, rng)
        if p != q:
            break
    n, phi = p * q, (p - 1) * (q - 1)
    d = pow(_E, -1, phi)
    numbers = rsa.RSAPrivateNumbers(p=p, q=q, d=d, dmp1=d % (p - 1), dmq1=d % (q - 1),
                                    iqmp=pow(q, -1, p), public_numbers=rsa.RSAPublicNumbers(_E, n))
    key = numbers.private_key()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@dataclass(frozen=True)
class ServiceAccount:
    project_id: str
    private_key_id: str
    client_email: str
    client_id: str
    private_key: str

    @classmethod
    def from_seed(cls, seed: int) -> ServiceAccount:
        rng = random.Random(f"google-service-account-{seed}")
        project = f"sandbox-corp-{rng.randint(100000, 999999)}"
        return cls(project_id=project, private_key_id=f"{rng.getrandbits(160):040x}",
                   client_email=f"tenantsim-sandbox@{project}.iam.gserviceaccount.com",
                   client_id=str(rng.randint(10**20, 10**21 - 1)), private_key=private_key_pem(seed))

    def public_key_pem(self) -> str:
        key = serialization.load_pem_private_key(self.private_key.encode(), password=None)
        return key.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def info(self, base_url: str) -> dict[str, Any]:
        """The key file as the Cloud console hands it out, with token_uri pointing at the emulator."""
        base = base_url.rstrip("/")
        return {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": self.private_key_id,
            "private_key": self.private_key,
            "client_email": self.client_email,
            "client_id": self.client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": f"{base}/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                                    + self.client_email.replace("@", "%40"),
            "universe_domain": "googleapis.com",
        }
