"""The org as it stands before any job: an app catalogue, admins, people, groups, app assignments.

Deterministic from ``seed``; every object made here is marked pre-existing (no cleanup may touch it).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from tenantsim.sandbox.kit.seeding import SeededClock, SeededNames
from tenantsim.sandbox.okta import policies
from tenantsim.sandbox.okta.model import PREFIX_APP, App, Assignment, User, new_id
from tenantsim.sandbox.okta.oauth import DEMO_SCOPES, demo_key
from tenantsim.sandbox.okta.org import OktaOrg

DOMAIN = "sandbox-corp.example.com"

# (label, OIN app name, sign-on mode): the apps real workforce orgs run.
CATALOGUE = (
    ("Slack", "slack", "SAML_2_0"), ("Zoom", "zoomus", "SAML_2_0"), ("GitHub", "githubcloud", "SAML_2_0"),
    ("Salesforce", "salesforce", "SAML_2_0"), ("Google Workspace", "google", "SAML_2_0"),
    ("Jira", "atlassian_jira_cloud", "SAML_2_0"), ("Confluence", "atlassian_confluence", "SAML_2_0"),
    ("Box", "boxnet", "SAML_2_0"), ("Workday", "workday", "SAML_2_0"),
    ("Microsoft Office 365", "office365", "SAML_2_0"), ("Zendesk", "zendesk", "SAML_2_0"),
    ("DocuSign", "docusign", "SAML_2_0"), ("Dropbox", "dropbox_for_business", "SAML_2_0"),
    ("Asana", "asana", "SAML_2_0"), ("HubSpot", "hubspot", "SAML_2_0"),
    ("ServiceNow", "servicenow_ud", "SAML_2_0"), ("NetSuite", "netsuite", "SAML_2_0"),
    ("Tableau", "tableau_online", "SAML_2_0"), ("AWS IAM Identity Center", "amazon_aws_sso", "SAML_2_0"),
    ("Figma", "figma", "SAML_2_0"), ("Notion", "notion", "SAML_2_0"),
    ("Expensify", "expensify", "SAML_2_0"), ("Greenhouse", "greenhouse", "SAML_2_0"),
    ("Company Wiki", "bookmark", "BOOKMARK"),
    *((label, key, "SAML_2_0") for label, key in (
        ("PagerDuty", "pagerduty"), ("Datadog", "datadog"), ("AWS Console", "amazon_aws"),
        ("Amplitude", "amplitude"), ("Productboard", "productboard"), ("Miro", "miro"),
        ("Adobe Creative Cloud", "adobe_creative_cloud"), ("Snowflake", "snowflake"), ("Looker", "looker"),
        ("Jamf", "jamf"), ("Microsoft Intune", "microsoft_intune"), ("CrowdStrike", "crowdstrike"),
        ("Splunk", "splunk"), ("Wiz", "wiz"), ("Gong", "gong"), ("Outreach", "outreach"),
        ("LinkedIn Sales Navigator", "linkedin_sales_navigator"), ("ZoomInfo", "zoominfo"),
        ("Marketo", "marketo"), ("Canva", "canva"), ("Sprout Social", "sprout_social"),
        ("Gainsight", "gainsight"), ("Statuspage", "statuspage"), ("Coupa", "coupa"), ("Lattice", "lattice"),
        ("Culture Amp", "cultureamp"), ("Ironclad", "ironclad"), ("Smartsheet", "smartsheet"),
    )),
)

_FIRST = ("Avery", "Blake", "Casey", "Dana", "Elliot", "Frankie", "Gray", "Harper", "Indigo", "Jordan",
          "Kendall", "Logan", "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Riley", "Sawyer", "Taylor",
          "Umber", "Val", "Wren", "Xen", "Yael", "Zion")
_LAST = ("Abbott", "Barros", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ibarra", "Jensen",
         "Kowalski", "Laurent", "Moreau", "Nakamura", "Okafor", "Patel", "Quintero", "Rossi", "Silva",
         "Tanaka", "Umarov", "Varga", "Weber", "Xu", "Yilmaz", "Zimmer")
_DEPARTMENTS = ("IT", "Finance", "Operations", "Sales", "Engineering", "People")
_GROUPS = (("IT Administrators", "People who administer the org's systems"),
           ("All Staff", "Everyone employed by the company"),
           ("Contractors", "External contractors with limited access"),
           ("VPN Users", "People allowed on the corporate VPN"))

# Pre-existing objects were made long before the emulator started.
_EPOCH = datetime(2023, 3, 1, tzinfo=UTC).timestamp()


def populate(org: OktaOrg, *, seed: int, users: int, tokens: list[str]) -> None:
    rng = random.Random(f"okta-org-{seed}")
    clock = SeededClock(rng, _EPOCH)

    everyone = org.create_group({"name": "Everyone", "description": "All users in your organization"},
                                kind="BUILT_IN", at=clock.now, preexisting=True)
    org.everyone_id = everyone.id
    for label, name, mode in CATALOGUE:
        aid = new_id(PREFIX_APP, org.rng)
        at = clock.tick()
        org.apps[aid] = App(id=aid, seq=org.next_seq(aid), name=name, label=label, sign_on_mode=mode,
                            created=at, last_updated=at)
    groups = [org.create_group({"name": name, "description": about}, at=clock.tick(), preexisting=True)
              for name, about in _GROUPS]
    for index, token in enumerate(tokens):
        suffix = "" if index == 0 else str(index + 1)
        admin = org.create_user({"login": f"admin{suffix}@{DOMAIN}", "email": f"admin{suffix}@{DOMAIN}",
                                 "firstName": "Sandbox", "lastName": f"Admin{suffix}" if suffix else "Admin",
                                 "title": "Okta Administrator", "department": "IT"},
                                password=None, activate=False, at=clock.tick(), preexisting=True)
        _make_active(admin, clock.now)
        org.members[groups[0].id][admin.id] = clock.now
        org.token_owner[token] = admin.id
    names = SeededNames(rng, _FIRST, _LAST)
    for index in range(users):
        first, last, login = names.draw(index)
        person = org.create_user(
            {"login": f"{login}@{DOMAIN}", "email": f"{login}@{DOMAIN}", "firstName": first, "lastName": last,
             "department": rng.choice(_DEPARTMENTS), "employeeNumber": f"E{1000 + index}",
             "title": "Staff"},
            password=None, activate=False, at=clock.tick(), preexisting=True)
        _make_active(person, clock.now)
        org.members[groups[1].id][person.id] = clock.now
        if rng.random() < 0.15:
            org.members[groups[2].id][person.id] = clock.now
        if rng.random() < 0.4:
            org.members[groups[3].id][person.id] = clock.now
        apps = list(org.apps.values())[:12]
        for app in rng.sample(apps, k=rng.randint(1, 3)):
            org.app_users.setdefault(app.id, {})[person.id] = Assignment(
                created=clock.now, last_updated=clock.now, preexisting=True)
    org.schema.created = org.schema.last_updated = _EPOCH
    policies.seed_default(org, _EPOCH)
    private, public = demo_key(seed)
    granted = [*DEMO_SCOPES, *(s.replace(".manage", ".read") for s in DEMO_SCOPES if s.endswith(".manage"))]
    org.oauth.register(new_id(PREFIX_APP, org.rng), "Sandbox API Service", json.loads(public), granted,
                       private_jwk=json.loads(private), created=_EPOCH)  # seeded: the same start state
    slack, zoom = list(org.apps.values())[:2]
    for app in (slack, zoom):  # the company grants chat and meetings to all staff
        org.app_groups.setdefault(app.id, {})[groups[1].id] = Assignment(
            created=clock.now, last_updated=clock.now, preexisting=True)


def _make_active(user: User, at: float) -> None:
    user.has_password = True
    user.password_changed = at
    user.activated = at
    user.last_login = at
    user.set_status("ACTIVE", at)
