"""The sandbox's one service account: an RSA key pair and the key JSON a job loads, both from the seed.

The same seed gives the same key file on every run and every machine (see ``sandbox/kit/keys.py``).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import Any

from tenantsim.sandbox.kit.keys import private_pem, public_pem_of, seeded_rsa_key


@functools.lru_cache(maxsize=8)
def private_key_pem(seed: int, bits: int = 2048) -> str:
    return private_pem(seeded_rsa_key(random.Random(f"google-service-account-key-{seed}"), bits))


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
        return public_pem_of(self.private_key)

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
