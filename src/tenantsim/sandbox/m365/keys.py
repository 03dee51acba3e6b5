"""The app registration's credentials: a client secret and a certificate, both derived from the seed.

The same seed gives the same tenant id, client id, secret and certificate on every run and machine, so a
job's stored credentials keep working across a restart of the sandbox. ``cryptography`` draws keys only from
the OS random source, so the RSA primes are found with a seeded generator (``sandbox/kit/keys.py``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from tenantsim.sandbox.kit.keys import private_pem, seeded_rsa_key


def seeded_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@functools.lru_cache(maxsize=8)
def _key_and_cert(seed: int, label: str) -> tuple[str, str]:
    rng = random.Random(f"m365-{label}-key-{seed}")
    key = seeded_rsa_key(rng)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"tenantsim-sandbox-{label}")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(rng.getrandbits(63) + 1)
        .not_valid_before(datetime(2025, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2035, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    return private_pem(key), cert.public_bytes(serialization.Encoding.PEM).decode()


@dataclass(frozen=True)
class AppRegistration:
    """An Entra ID app registration with a client secret, a certificate and granted application roles."""

    name: str
    client_id: str
    client_secret: str
    roles: frozenset[str]
    seed: int
    label: str

    @classmethod
    def from_seed(cls, seed: int, label: str, name: str, roles: frozenset[str]) -> AppRegistration:
        rng = random.Random(f"m365-app-{label}-{seed}")
        client_id = seeded_uuid(rng)
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789~._-"
        # Entra secrets are 40 characters with a 3-character hint and "8Q~" style prefix
        secret = (
            "".join(rng.choice(alphabet[:62]) for _ in range(3))
            + "8Q~"
            + "".join(rng.choice(alphabet) for _ in range(34))
        )
        return cls(name=name, client_id=client_id, client_secret=secret, roles=roles, seed=seed, label=label)

    @property
    def private_key_pem(self) -> str:
        return _key_and_cert(self.seed, self.label)[0]

    @property
    def certificate_pem(self) -> str:
        return _key_and_cert(self.seed, self.label)[1]

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem.encode())

    def thumbprint(self) -> str:
        """SHA-1 of the DER certificate, hex: what the portal shows and ``x5t`` carries (base64url)."""
        return self.certificate().fingerprint(hashes.SHA1()).hex().upper()

    def x5t_values(self) -> set[str]:
        cert = self.certificate()
        out = set()
        for algorithm in (hashes.SHA1(), hashes.SHA256()):
            out.add(base64.urlsafe_b64encode(cert.fingerprint(algorithm)).decode().rstrip("="))
        return out

    def public_key_pem(self) -> str:
        return (
            self.certificate()
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )


def token_secret(seed: int) -> bytes:
    """The key the emulator signs its access tokens with (HS256: only the emulator checks them)."""
    return hashlib.sha256(f"m365-token-signing-{seed}".encode()).digest()
