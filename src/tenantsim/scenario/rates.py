"""How often things happen in a company, per person, by industry and size.

Sources (see the README's "The company" section):

* Hires and separations: U.S. Bureau of Labor Statistics, Job Openings and Labor Turnover Survey
  (JOLTS), annual average monthly rates by industry, 2023 (hires and total separations as a percent of
  employment). Rounded; an industry without its own JOLTS series takes the nearest one named below.
* Growth by size: young companies hire ahead of leaving (startups ~2 % net a month), large ones
  roughly replace who leaves (BLS Business Employment Dynamics: job gains concentrate in young firms).
* Leave: about 2-3 % of U.S. full-time workers are absent from work on leave in a given week (BLS
  Current Population Survey, "absences from work"); lengths by kind from the FMLA employee survey
  (DOL, 2018): parental leave weeks to months, medical leave a few weeks, personal leave shorter.
* Transfers and promotions: internal mobility of a few to ~12 % of people a year (LinkedIn Global
  Talent Trends; Gartner); we use ~5 % transfers and ~8 % promotions, never twice within six months.
* Password resets: help-desk data puts resets at roughly one per person per quarter (Forrester).
* MFA factors: Okta's Secure Sign-in Trends reports (2023-2024): push and TOTP apps dominate,
  WebAuthn/FIDO grows, SMS and security questions are a minority.
"""

from __future__ import annotations

from dataclasses import dataclass

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Turnover:
    separations: float  # per head per month
    source: str  # the JOLTS industry the figure comes from


TURNOVER = {
    "technology": Turnover(0.027, "Information"),
    "media": Turnover(0.028, "Information"),
    "financial_services": Turnover(0.020, "Finance and insurance"),
    "professional_services": Turnover(0.040, "Professional and business services"),
    "healthcare": Turnover(0.033, "Health care and social assistance"),
    "retail": Turnover(0.045, "Retail trade"),
    "manufacturing": Turnover(0.029, "Manufacturing"),
    "education": Turnover(0.026, "Educational services"),
    "government": Turnover(0.014, "Government"),
    "energy": Turnover(0.022, "Mining and logging; Utilities"),
    "travel": Turnover(0.050, "Leisure and hospitality; Transportation"),
    "logistics": Turnover(0.037, "Transportation, warehousing, and utilities"),
}
DEFAULT_TURNOVER = Turnover(0.035, "Total private")

# Net growth per head per month, by size (hires = separations + growth).
GROWTH = {"startup": 0.020, "midsize": 0.006, "enterprise": 0.0}

LEAVE_SHARE = 0.025  # share of staff on leave at any time
LEAVE_KINDS: dict[str, tuple[float, int, int]] = {  # kind -> (share of leaves, shortest, longest days)
    "parental": (0.30, 56, 112),
    "medical": (0.35, 14, 70),
    "family care": (0.15, 14, 56),
    "personal": (0.15, 5, 21),
    "sabbatical": (0.05, 28, 84),
}
TRANSFERS_PER_YEAR = 0.05
PROMOTIONS_PER_YEAR = 0.08
MIN_DAYS_BETWEEN_MOVES = 180  # transfer or promotion
MIN_TENURE_DAYS_TO_MOVE = 120
EARLY_DEPARTURE_DAYS = 30  # a departure this soon after joining is rare
EARLY_DEPARTURE_WEIGHT = 0.05
PASSWORD_RESETS_PER_DAY = 1 / 91.0  # about once a quarter
ACCESS_REQUESTS_PER_YEAR = 0.4  # a direct app grant after an approved request, per person
ACCESS_REVOKES_PER_YEAR = 0.9  # access reviews remove exceptions, per exception held
FACTOR_ADDS_PER_YEAR = 0.15  # a new phone, a security key
NEW_HIRE_MFA_DAYS = (0.2, 3.0)  # a new hire enrols within their first days

FACTOR_MIX: tuple[tuple[str, float], ...] = (
    ("push", 0.45), ("token:software:totp", 0.25), ("webauthn", 0.13), ("sms", 0.12), ("question", 0.05),
)
NOT_ENROLLED_SHARE = 0.04  # people at founding who have not enrolled a factor yet

# Sign-ins per person per business day at activity_level "medium": the morning sign-in and one more
# when a session lapses (Okta's default session lifetime is two hours of idle time); and what happens.
# Okta's Businesses at Work / Secure Sign-in Trends put MFA prompts on new devices and risky sign-ins,
# and help desks see a lock-out per person every few months.
SIGN_INS_PER_PERSON_DAY = 2.0
SIGN_IN_OUTCOMES: tuple[tuple[str, float], ...] = (
    ("success", 0.885), ("mistyped_password", 0.06), ("mfa_challenge", 0.04), ("new_country", 0.01),
    ("locked_out", 0.005),
)

# Day-to-day work per person per business day at activity_level "medium" (task updates, comments).
WORK_ACTIONS_PER_PERSON_DAY = 6.0
LEVEL_FACTOR = {"low": 0.4, "medium": 1.0, "high": 2.5}


def turnover(industry: str) -> Turnover:
    return TURNOVER.get(industry, DEFAULT_TURNOVER)


def size_of(headcount: int) -> str:
    if headcount < 100:
        return "startup"
    return "midsize" if headcount < 1000 else "enterprise"


def hires_per_head_month(industry: str, headcount: int) -> float:
    return turnover(industry).separations + GROWTH[size_of(headcount)]


def leave_starts_per_head_day() -> float:
    """Little's law: share on leave = start rate x mean length."""
    mean_days = sum(share * (low + high) / 2 for share, low, high in LEAVE_KINDS.values())
    return LEAVE_SHARE / mean_days
