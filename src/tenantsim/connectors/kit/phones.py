"""Phone numbers for the company's people that can never ring anyone."""

from __future__ import annotations

# Fictional numbers: 555-01xx in North America, Ofcom's drama range in the UK, a plausible form elsewhere.
PHONE_FORMS = {"US": "+1-555-01{:02d}", "CA": "+1-555-01{:02d}", "GB": "+44-7700-900{:03d}",
               "IE": "+353-85-555-{:04d}", "IN": "+91-98-7654-{:04d}", "DE": "+49-151-5555-{:04d}",
               "MX": "+52-55-5555-{:04d}"}


def fictional_phone(country: str, number: int) -> str:
    """A fictional number of ``country`` (the US form elsewhere); ``number`` picks one (0-99)."""
    return PHONE_FORMS.get(country, PHONE_FORMS["US"]).format(number % 100)
