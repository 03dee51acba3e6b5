"""The company's customers, as a CRM holds them: account names from the content packs (the industry's own
``account`` names first, then company names of every industry: the customers of a business are other
businesses), their contacts (names from the shared name tables), sizes and cities.

Seeded per job and per account, so one more account does not rename the others.
"""

from __future__ import annotations

import random
from functools import cache

from tenantsim.connectors.salesforce.state import (
    CONTACT_TITLES,
    CUSTOMER_INDUSTRIES,
    INDUSTRY,
    slug,
)
from tenantsim.content.base import derive_seed
from tenantsim.content.names import draw_name
from tenantsim.content.packs import get_pack, list_industries, load_common

CITIES = (
    ("New York", "NY", "United States"),
    ("Chicago", "IL", "United States"),
    ("Austin", "TX", "United States"),
    ("Denver", "CO", "United States"),
    ("Atlanta", "GA", "United States"),
    ("Seattle", "WA", "United States"),
    ("Boston", "MA", "United States"),
    ("Toronto", "ON", "Canada"),
    ("London", "", "United Kingdom"),
    ("Dublin", "", "Ireland"),
    ("Manchester", "", "United Kingdom"),
    ("Columbus", "OH", "United States"),
    ("Phoenix", "AZ", "United States"),
    ("Minneapolis", "MN", "United States"),
)


@cache
def _names(industry: str) -> tuple[str, ...]:
    """Every customer name, the industry's own first; no article-led phrases ("a partner college")."""
    own = [*_own(industry), *load_common().slots.get("account", ())]
    others = {
        f"{a} {b}".strip()
        for key in list_industries()
        for pack in (get_pack(key),)
        for a in pack.company_first
        for b in pack.company_second
    }
    names = [
        n
        for n in dict.fromkeys([*own, *sorted(others)])
        if n and n[0].isupper() and not n.lower().startswith(("a ", "an ", "the "))
    ]
    return tuple(names)


def account_names(industry: str, seed: int, count: int, *, exclude: str = "") -> list[str]:
    """``count`` distinct customer names: the industry's own, then a seeded draw of the rest (numbered
    divisions when a very large org needs more names than there are)."""
    pool = [n for n in _names(industry) if n != exclude]
    industry_own = frozenset(_own(industry))
    own = [n for n in pool if n in industry_own]
    rest = [n for n in pool if n not in industry_own]
    random.Random(derive_seed(seed, "salesforce", "accounts")).shuffle(rest)
    ordered = own + rest
    out = ordered[:count]
    region = 2
    while len(out) < count:
        out.extend(
            f"{n} ({r})" for n, r in zip(ordered, ("East", "West", "Europe", "Canada") * region, strict=False)
        )
        region += 1
    return out[:count]


@cache
def _own(industry: str) -> tuple[str, ...]:
    try:
        pack = get_pack(industry)
    except (KeyError, ValueError):
        return ()
    own: list[str] = []
    for department in pack.department_names:
        own.extend(pack.slots_for(department).get("account", ()))
    return tuple(dict.fromkeys(own))


def account_fields(name: str, industry: str, seed: int, index: int) -> dict[str, object]:
    """An Account as a rep would have filled it in."""
    rng = random.Random(derive_seed(seed, "salesforce", "account", index))
    city, state, country = CITIES[rng.randrange(len(CITIES))]
    employees = int(rng.lognormvariate(6.0, 1.3)) + 20
    own = INDUSTRY.get(industry, "Other")
    sector = own if rng.random() < 0.3 else CUSTOMER_INDUSTRIES[rng.randrange(len(CUSTOMER_INDUSTRIES))]
    fields: dict[str, object] = {
        "Name": name,
        "Industry": sector,
        "NumberOfEmployees": employees,
        "AnnualRevenue": float(round(employees * rng.uniform(120_000, 350_000), -4)),
        "BillingCity": city,
        "BillingCountry": country,
        "Website": f"www.{domain_of(name)}",
        "Phone": f"+1-555-01{rng.randrange(100):02d}",
    }
    if state:
        fields["BillingState"] = state
    return fields


def domain_of(account_name: str) -> str:
    return f"{slug(account_name.split(' (')[0])}.com"


def contact_fields(account_name: str, seed: int, account_index: int, number: int) -> dict[str, object]:
    rng = random.Random(derive_seed(seed, "salesforce", "contact", account_index, number))
    first, last = draw_name(rng)
    local = f"{slug(first)}.{slug(last)}"
    return {
        "FirstName": first,
        "LastName": last,
        "Title": CONTACT_TITLES[rng.randrange(len(CONTACT_TITLES))],
        "Email": f"{local}@{domain_of(account_name)}",
        "Phone": f"+1-555-01{rng.randrange(100):02d}",
    }


def lead_fields(industry: str, seed: int, number: int) -> dict[str, object]:
    """A lead from a company that is not yet a customer."""
    rng = random.Random(derive_seed(seed, "salesforce", "lead", number))
    first, last = draw_name(rng)
    names = _names(industry)
    company = names[-1 - (number * 7919) % max(1, len(names) // 2)] if names else "Prospect"
    return {
        "FirstName": first,
        "LastName": last,
        "Company": company,
        "Title": CONTACT_TITLES[rng.randrange(len(CONTACT_TITLES))],
        "Email": f"{slug(first)}.{slug(last)}@{domain_of(company)}",
        "Industry": CUSTOMER_INDUSTRIES[rng.randrange(len(CUSTOMER_INDUSTRIES))],
    }
