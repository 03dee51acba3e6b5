"""A token endpoint's refusal as OAuth 2.0 words it (RFC 6749 section 5.2): ``{"error",
"error_description"}`` with its HTTP status. Google, Okta and Salesforce answer in this shape; Entra ID
adds its AADSTS number, trace and timestamp (``m365/errors.py``)."""

from __future__ import annotations


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}
