"""Where an address is: a small GeoIP table of consumer-ISP address blocks by region, as a real org's
geolocation would place them. Addresses outside the table fall back to a stable pick of a few cities."""

from __future__ import annotations

# First two octets -> (city, state, country, postal code, lat, lon).
BLOCKS: dict[str, tuple[str, str, str, str, float, float]] = {
    "73.158": ("San Francisco", "California", "United States", "94107", 37.7697, -122.3933),
    "73.3": ("Denver", "Colorado", "United States", "80202", 39.7525, -104.9995),
    "73.45": ("Chicago", "Illinois", "United States", "60606", 41.8826, -87.6376),
    "73.193": ("New York", "New York", "United States", "10013", 40.7209, -74.0047),
    "99.224": ("Toronto", "Ontario", "Canada", "M5V", 43.6426, -79.3871),
    "187.189": ("Mexico City", "Ciudad de Mexico", "Mexico", "06600", 19.4270, -99.1676),
    "86.128": ("London", "England", "United Kingdom", "EC2A", 51.5225, -0.0847),
    "86.40": ("Dublin", "Leinster", "Ireland", "D02", 53.3382, -6.2591),
    "79.192": ("Berlin", "Land Berlin", "Germany", "10115", 52.5321, 13.3849),
    "49.36": ("Mumbai", "Maharashtra", "India", "400001", 18.9388, 72.8354),
}


def locate(ip: str) -> tuple[str, str, str, str, float, float] | None:
    parts = ip.split(".")
    if len(parts) != 4:
        return None
    return BLOCKS.get(f"{parts[0]}.{parts[1]}")
