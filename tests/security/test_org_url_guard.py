"""The SSRF guard as a table: which Okta org URLs are accepted, and the message for each refusal."""

from __future__ import annotations

import pytest

from tenantsim.connectors.asana.config import check_asana_base_url
from tenantsim.connectors.okta.config import check_org_url
from tenantsim.errors import InputError

ALLOWED = ["sso.example.org"]

ACCEPTED = [
    ("https://dev-123456.okta.com", "https://dev-123456.okta.com"),
    ("https://dev-123456.okta.com/", "https://dev-123456.okta.com"),
    ("  https://DEV-123456.Okta.COM  ", "https://dev-123456.okta.com"),
    ("https://acme.oktapreview.com", "https://acme.oktapreview.com"),
    ("https://acme.okta-emea.com", "https://acme.okta-emea.com"),
    ("https://acme.okta-gov.com", "https://acme.okta-gov.com"),
    ("https://acme.okta.mil", "https://acme.okta.mil"),
    ("https://sso.example.org", "https://sso.example.org"),  # listed in TENANTSIM_OKTA_ALLOWED_HOSTS
]

# (url, the start of the message)
REJECTED = [
    ("http://dev-123456.okta.com", "Invalid org_url: must start with https://"),
    ("ftp://dev-123456.okta.com", "Invalid org_url: must start with https://"),
    ("file:///etc/passwd", "Invalid org_url: must start with https://"),
    ("//dev-123456.okta.com", "Invalid org_url: must start with https://"),
    ("https://evil.example.com", "Invalid org_url: evil.example.com is not an Okta domain"),
    ("https://okta.com", "Invalid org_url: okta.com is not an Okta domain"),
    ("https://notokta.com", "Invalid org_url: notokta.com is not an Okta domain"),
    ("https://dev-1.okta.com.evil.com", "Invalid org_url: dev-1.okta.com.evil.com is not an Okta domain"),
    ("https://user:pw@dev-1.okta.com", "Invalid org_url: credentials in the URL are not allowed"),
    ("https://dev-1.okta.com@evil.com", "Invalid org_url: credentials in the URL are not allowed"),
    ("https://dev-1.okta.com%2f@evil.com", "Invalid org_url: credentials in the URL are not allowed"),
    ("https://dev-1.okta.com:8443", "Invalid org_url: ports are not allowed"),
    ("https://dev-1.okta.com:443", "Invalid org_url: ports are not allowed"),
    ("https://dev-1.okta.com:", "Invalid org_url: ports are not allowed"),
    ("https://dev-1.okta.com:99999", "Invalid org_url: must be a URL"),
    ("https://dev-1.okta.com:abc", "Invalid org_url: must be a URL"),
    ("https://127.0.0.1", "Invalid org_url: IP addresses are not allowed"),
    ("https://10.0.0.8", "Invalid org_url: IP addresses are not allowed"),
    ("https://169.254.169.254", "Invalid org_url: IP addresses are not allowed"),
    ("https://[::1]", "Invalid org_url: IP addresses are not allowed"),
    ("https://[fd00::1]", "Invalid org_url: IP addresses are not allowed"),
    ("https://[::1", "Invalid org_url: must be a URL"),
    ("https://2130706433", "Invalid org_url: IP addresses are not allowed"),
    ("https://0x7f.0.0.1", "Invalid org_url: IP addresses are not allowed"),
    ("https://dev-1.okta.com/api/v1/users", "Invalid org_url: give only the org's origin"),
    ("https://evil.com/.okta.com", "Invalid org_url: give only the org's origin"),
    ("https://dev-1.okta.com?next=https://evil.com", "Invalid org_url: give only the org's origin"),
    ("https://dev-1.okta.com#frag", "Invalid org_url: give only the org's origin"),
    ("https://dev-1.okta.com\\@evil.com", "Invalid org_url: must be a URL"),
    ("https://evil.com\\.okta.com", "Invalid org_url: must be a URL"),
    ("https://dev 1.okta.com", "Invalid org_url: must be a URL"),
    ("https://dev-1.okta.com\r\nHost: evil.com", "Invalid org_url: must be a URL"),
    ("https://dev-1.okta.com./", "Invalid org_url: the host name is not valid"),
    ("https://dev_1.okta.com", "Invalid org_url: the host name is not valid"),
    ("https://localhost", "Invalid org_url: the host name is not valid"),
    ("http://127.0.0.1:5001/sandbox/okta", "Invalid org_url: must start with https://"),
    ("https://" + "a" * 300 + ".okta.com", "Invalid org_url: must be a URL"),
    ("", "Invalid org_url: must be a URL"),
    (12345, "Invalid org_url: must be a URL"),
]


@pytest.mark.parametrize(("url", "normalised"), ACCEPTED)
def test_okta_domains_and_allowed_hosts_are_accepted_as_bare_origins(url: str, normalised: str) -> None:
    assert check_org_url(url, sandbox_mode=False, allowed_hosts=ALLOWED) == normalised


@pytest.mark.parametrize(("url", "message"), REJECTED)
def test_everything_else_is_refused_with_a_clear_message(url: object, message: str) -> None:
    with pytest.raises(InputError) as refused:
        check_org_url(url, sandbox_mode=False, allowed_hosts=ALLOWED)
    assert refused.value.status_code == 400
    assert refused.value.message.startswith(message)


def test_sandbox_mode_adds_loopback_and_nothing_else() -> None:
    local = "http://127.0.0.1:5001/sandbox/okta"
    assert check_org_url(local, sandbox_mode=True, allowed_hosts=[]) == local
    assert check_org_url("http://localhost:5101/", sandbox_mode=True, allowed_hosts=[]) == \
        "http://localhost:5101"
    for still_refused in ("http://10.0.0.8:5001", "https://evil.example.com", "http://dev-1.okta.com",
                          "http://user:pw@127.0.0.1:5001", "http://127.0.0.1:5001/?next=x"):
        with pytest.raises(InputError):
            check_org_url(still_refused, sandbox_mode=True, allowed_hosts=[])


def test_an_allowed_host_cannot_smuggle_a_port_path_or_loopback() -> None:
    for url in ("https://sso.example.org:8443", "https://sso.example.org/admin", "https://localhost"):
        with pytest.raises(InputError):
            check_org_url(url, sandbox_mode=False, allowed_hosts=[*ALLOWED, "localhost"])


@pytest.mark.parametrize("url", ["http://127.0.0.1:5102/api/1.0", "http://localhost:5102/api/1.0"])
def test_asana_base_url_only_loopback_and_only_in_sandbox_mode(url: str) -> None:
    assert check_asana_base_url(url, sandbox_mode=True) == url
    with pytest.raises(InputError, match="only accepted in sandbox mode"):
        check_asana_base_url(url, sandbox_mode=False)


@pytest.mark.parametrize("url", ["https://app.asana.com.evil.com/api/1.0", "http://10.0.0.1/api/1.0",
                                 "http://user@127.0.0.1:5102", "http://[::1", "file:///etc/passwd", 42])
def test_asana_base_url_refuses_anything_not_loopback(url: object) -> None:
    with pytest.raises(InputError, match="only accepted in sandbox mode"):
        check_asana_base_url(url, sandbox_mode=True)
