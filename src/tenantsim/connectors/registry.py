"""connection_type -> Connector. A new platform is a new folder plus one line here."""

from __future__ import annotations

from tenantsim.connectors.base import Connector, ConnectorRuntime

SUPPORTED = ("asana", "okta")


def build_connectors(runtime: ConnectorRuntime) -> dict[str, Connector]:
    from tenantsim.connectors.asana.connector import AsanaConnector
    from tenantsim.connectors.okta.connector import OktaConnector

    return {"asana": AsanaConnector(runtime), "okta": OktaConnector(runtime)}
