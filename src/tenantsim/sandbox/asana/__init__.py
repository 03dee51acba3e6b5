"""A stateful Asana emulator speaking the real API (base URL ending in /api/1.0). See ``app.py``."""

from tenantsim.sandbox.asana.app import AsanaSandbox, create_app

__all__ = ["AsanaSandbox", "create_app"]
