"""Industry packs: the data files load, cover the required industries and are internally consistent."""

from __future__ import annotations

import dataclasses

import pytest

from tenantsim.content import packs
from tenantsim.content.packs import PackError, get_pack, list_industries

REQUIRED = ["technology", "healthcare", "financial_services", "retail", "manufacturing", "education",
            "government", "energy", "media", "travel"]
KNOWN_CATALOGUE = {"Slack", "Zoom", "GitHub", "Salesforce", "Google Workspace", "Jira", "Box", "Workday",
                   "Confluence", "DocuSign", "ServiceNow", "Zendesk", "Tableau", "Microsoft Office 365"}


def test_required_industries_are_listed_with_display_names() -> None:
    industries = list_industries()
    assert set(REQUIRED) <= set(industries)
    names = packs.display_names()
    assert names["financial_services"] == "Financial Services"
    assert all(names[key] for key in industries)


@pytest.mark.parametrize("industry", list_industries())
def test_pack_is_consistent(industry: str) -> None:
    pack = get_pack(industry)
    assert pack.departments[0][0].name == "Executive"
    assert sum(share for _, share in pack.departments) == pytest.approx(1.0)
    assert len(pack.departments) >= 10
    assert pack.locations and pack.company_first
    for spec, _share in pack.departments:
        assert spec.apps, spec.name
        assert set(spec.apps) & KNOWN_CATALOGUE, f"{spec.name} gets no well-known catalogue app"
        for level in range(1, 8):
            assert spec.titles_at(level), (spec.name, level)
        assert spec.tasks and spec.projects and spec.comments


def test_lookup_is_forgiving_about_spelling_and_names_the_known_ones() -> None:
    assert get_pack("Financial Services").key == "financial_services"
    with pytest.raises(KeyError, match="technology"):
        get_pack("astrology")


def test_an_unresolvable_slot_is_rejected() -> None:
    pack = get_pack("technology")
    sales = pack.department("Sales")
    broken = dataclasses.replace(sales, tasks=(*sales.tasks, "Call {nobody_defines_this}"))
    bad = dataclasses.replace(pack, departments=((broken, 1.0),))
    with pytest.raises(PackError, match="nobody_defines_this"):
        packs._check_templates(bad)


def test_yaml_values_that_are_not_text_are_rejected() -> None:
    # YAML 1.1 reads an unquoted 1:1 as the integer 61; the loader must refuse rather than print "61".
    with pytest.raises(PackError, match="quote"):
        packs._strs(["weekly sync", 61], "slots.meeting")
