"""Where the company's offices are: city, country, time zone and locale for each pack location.

A pack names offices as people would ("San Francisco, CA", "London, UK", "Main Campus"). The company
needs more than a label: a person's country, time zone and locale must agree wherever they appear.
Named sites without a city ("City Hall", "Main Campus", "Online") are in the company's home region:
the first office of the pack that has a city.
"""

from __future__ import annotations

from dataclasses import dataclass

# US state (or DC) -> IANA zone of its main population centre.
_US_ZONES = {
    "AZ": "America/Phoenix",
    "CA": "America/Los_Angeles",
    "CO": "America/Denver",
    "DC": "America/New_York",
    "FL": "America/New_York",
    "GA": "America/New_York",
    "HI": "Pacific/Honolulu",
    "IA": "America/Chicago",
    "IL": "America/Chicago",
    "IN": "America/Indiana/Indianapolis",
    "KY": "America/New_York",
    "MA": "America/New_York",
    "MI": "America/Detroit",
    "MN": "America/Chicago",
    "MO": "America/Chicago",
    "NC": "America/New_York",
    "NE": "America/Chicago",
    "NV": "America/Los_Angeles",
    "NY": "America/New_York",
    "OH": "America/New_York",
    "SC": "America/New_York",
    "SD": "America/Chicago",
    "TN": "America/Chicago",
    "TX": "America/Chicago",
    "WA": "America/Los_Angeles",
    "WI": "America/Chicago",
}
# Country as packs write it -> (ISO 3166 code, zone of its business capital, locale).
_COUNTRIES = {
    "UK": ("GB", "Europe/London", "en_GB"),
    "Ireland": ("IE", "Europe/Dublin", "en_IE"),
    "India": ("IN", "Asia/Kolkata", "en_IN"),
    "Germany": ("DE", "Europe/Berlin", "de_DE"),
    "Mexico": ("MX", "America/Mexico_City", "es_MX"),
    "Canada": ("CA", "America/Toronto", "en_CA"),
}
# A few cities whose zone differs from their country's default.
_CITY_ZONES = {
    "Cancún": "America/Cancun",
    "Monterrey": "America/Monterrey",
    "Dayton": "America/New_York",
    "Austin": "America/Chicago",
    "Dallas": "America/Chicago",
    "Louisville": "America/Kentucky/Louisville",
}
US = ("US", "America/New_York", "en_US")


@dataclass(frozen=True)
class Office:
    name: str  # the pack's label, e.g. "London, UK"
    city: str  # "" for a remote or named site
    country: str  # ISO 3166-1 alpha-2
    time_zone: str  # IANA
    locale: str  # e.g. en_GB

    @property
    def remote(self) -> bool:
        return self.name.lower().startswith(("remote", "online"))


def _city_office(name: str) -> Office | None:
    if "," not in name:
        return None
    city, region = (part.strip() for part in name.rsplit(",", 1))
    if region in _US_ZONES:
        return Office(name, city, "US", _CITY_ZONES.get(city, _US_ZONES[region]), "en_US")
    if region in _COUNTRIES:
        country, zone, locale = _COUNTRIES[region]
        return Office(name, city, country, _CITY_ZONES.get(city, zone), locale)
    return None


def offices_for(locations: tuple[str, ...] | list[str]) -> dict[str, Office]:
    """Every location of a company as an Office; sites without a city take the home office's region."""
    found = {name: _city_office(name) for name in locations}
    home = next((o for o in found.values() if o is not None), None)
    country, zone, locale = (home.country, home.time_zone, home.locale) if home else US
    result: dict[str, Office] = {}
    for name, office in found.items():
        if office is None:
            where = (country, zone, locale)
            if name.lower().startswith("remote") and "-" in name:
                where = _COUNTRIES.get(name.split("-", 1)[1].strip(), US)
            office = Office(name, "", *where)
        result[name] = office
    return result
