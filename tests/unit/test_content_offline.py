"""The offline provider: deterministic, unique, coherent content for every industry."""

from __future__ import annotations

import re

import pytest

from tenantsim.content.base import ContentContext, ContentProvider
from tenantsim.content.offline import OfflineContentProvider
from tenantsim.content.offline_work import task_forms
from tenantsim.content.packs import get_pack, list_industries

LOGIN_RE = re.compile(r"^[a-z0-9]+(\.[a-z0-9]+)+$")


async def test_same_seed_gives_identical_content() -> None:
    first, second = OfflineContentProvider(1234), OfflineContentProvider(1234)
    assert await first.org_plan("technology", 400) == await second.org_plan("technology", 400)
    ctx = ContentContext(industry="technology", seed=9, department="Sales", project="Q3 Pipeline Push")
    assert await first.projects(ctx, 12) == await second.projects(ctx, 12)
    assert await first.tasks(ctx, 30) == await second.tasks(ctx, 30)
    ctx.task = "Send the pricing proposal for Harlow Freight"
    assert await first.comments(ctx, 6) == await second.comments(ctx, 6)
    hires = await first.hires("technology", "Sales", 5, [], 400)
    assert hires == await second.hires("technology", "Sales", 5, [], 400)


async def test_different_seeds_give_different_companies() -> None:
    one = await OfflineContentProvider(1).org_plan("retail", 200)
    two = await OfflineContentProvider(2).org_plan("retail", 200)
    assert {p.login for p in one.people} != {p.login for p in two.people}


def test_the_provider_satisfies_the_protocol() -> None:
    provider: ContentProvider = OfflineContentProvider(1)
    assert provider.name == "offline"


def test_one_department_changing_size_leaves_the_others_alone() -> None:
    provider = OfflineContentProvider(77)
    small = provider.org_plan_sync("technology", 1000)
    large = provider.org_plan_sync("technology", 1001)  # one more person lands in one department
    def names(plan: object, department: str) -> list[str]:
        return [p.display_name for p in plan.people if p.department == department]  # type: ignore[attr-defined]
    unchanged = [d for d in ("Sales", "Finance", "Legal", "Marketing")
                 if len(names(small, d)) == len(names(large, d))]
    assert unchanged
    for department in unchanged:
        before, after = names(small, department), names(large, department)
        same = sum(a == b for a, b in zip(before, after, strict=True))
        assert same / len(before) >= 0.95, department


def test_items_are_the_same_whether_asked_in_pages_or_at_once() -> None:
    provider = OfflineContentProvider(5)
    ctx = ContentContext(industry="healthcare", seed=1, department="Nursing", project="Fall Prevention")
    whole = provider.tasks_sync(ctx, 60)
    paged = [t for start in range(0, 60, 15) for t in provider.tasks_sync(ctx, 15, start)]
    assert whole == paged


def test_ten_thousand_people_are_unique_with_valid_logins() -> None:
    plan = OfflineContentProvider(2024).org_plan_sync("technology", 10_000)
    assert len(plan.people) == 10_000
    assert len({p.login for p in plan.people}) == 10_000
    assert len({p.display_name.lower() for p in plan.people}) == 10_000
    assert len({p.key for p in plan.people}) == 10_000
    assert len({p.employee_number for p in plan.people}) == 10_000
    assert all(LOGIN_RE.match(p.login) for p in plan.people)
    # Real-looking names: almost nobody needs a middle-initial or numbered fallback at this size.
    fallbacks = sum(1 for p in plan.people if "." in p.first_name or p.login[-1].isdigit())
    assert fallbacks <= 50


@pytest.mark.parametrize("industry", list_industries())
def test_titles_fit_departments_and_levels(industry: str) -> None:
    pack = get_pack(industry)
    plan = OfflineContentProvider(8).org_plan_sync(industry, 600)
    for person in plan.people:
        spec = pack.department(person.department)
        assert person.title in spec.titles_at(person.level), (person.department, person.level, person.title)
        assert person.cost_center == spec.cost_center
        assert person.location in plan.locations
    group_names = [g.name.lower() for g in plan.groups]
    assert len(group_names) == len(set(group_names))
    assert {g.kind for g in plan.groups} == {"department", "location", "team"}
    assert plan.company_name


def test_a_thousand_task_names_are_distinct() -> None:
    provider = OfflineContentProvider(31)
    cases = [("technology", "Sales"), ("technology", "Engineering"), ("healthcare", "Nursing"),
             ("energy", "Regulatory Affairs"), ("education", "Student Services")]
    for industry, department in cases:
        ctx = ContentContext(industry=industry, seed=3, department=department, project="Main board")
        names = [t.name for t in provider.tasks_sync(ctx, 1000)]
        assert len(set(names)) / len(names) >= 0.95, department


def test_rich_departments_need_no_qualifiers_for_a_real_project() -> None:
    provider = OfflineContentProvider(31)
    for department in ("Sales", "Engineering", "Marketing", "Customer Success"):
        ctx = ContentContext(industry="technology", seed=3, department=department, project="Board")
        names = [t.name for t in provider.tasks_sync(ctx, 120)]
        plain = [n for n in names if not re.search(r" - (Q\d|H\d|round|phase|follow-up)|\(\w{3}\)$", n)]
        assert len(set(plain)) == len(names), department


async def test_a_sales_project_gets_sales_tasks_and_sales_talk() -> None:
    provider = OfflineContentProvider(6)
    pack = get_pack("technology")
    # No department given: it is inferred from the project's name.
    ctx = ContentContext(industry="technology", seed=1, project="Q3 Pipeline Push - Enterprise")
    tasks = await provider.tasks(ctx, 80)
    def made_by(department: str, name: str) -> bool:
        return any(pattern.match(name) for pattern, _form in task_forms("technology", department).patterns)
    assert all(made_by("Sales", t.name) for t in tasks), [t.name for t in tasks]
    assert not any(made_by("Engineering", t.name) for t in tasks)
    ctx.task = "Send the pricing proposal for Harlow Freight"
    ctx.extra["mentions"] = "Dana,Priya"
    thread = await provider.comments(ctx, 12)
    mentioned = {m for c in thread for m in re.findall(r"@(\w+)", c.text)}
    assert mentioned and mentioned <= {"Dana", "Priya"}
    # Comments that name an account stay on the task's account.
    accounts = set(pack.slots_for("Sales")["account"]) - {"Harlow Freight"}
    assert not any(a in c.text for c in thread for a in accounts)
    assert any("Harlow Freight" in c.text for c in thread)


@pytest.mark.parametrize("industry", list_industries())
def test_no_template_is_left_unfilled(industry: str) -> None:
    provider = OfflineContentProvider(99)
    pack = get_pack(industry)
    for spec, _share in pack.departments:
        ctx = ContentContext(industry=industry, seed=2, department=spec.name)
        projects = provider.projects_sync(ctx, 15)
        ctx.project = projects[0].name
        tasks = provider.tasks_sync(ctx, 25)
        ctx.task = tasks[0].name
        comments = provider.comments_sync(ctx, 8)
        texts = [p.name for p in projects] + [p.notes for p in projects]
        texts += [t.name for t in tasks] + [t.notes for t in tasks] + [s for t in tasks for s in t.subtasks]
        texts += [c.text for c in comments]
        leftovers = [t for t in texts if "{" in t or "}" in t]
        assert not leftovers, (spec.name, leftovers[:3])
        assert all(p.sections for p in projects)


async def test_hires_avoid_taken_logins_and_fit_the_department() -> None:
    provider = OfflineContentProvider(12)
    plan = await provider.org_plan("media", 150)
    taken = [p.login for p in plan.people]
    hires = await provider.hires("media", "Editorial", 40, taken, start_index=150)
    assert [h.key for h in hires] == [f"p{i:05d}" for i in range(150, 190)]
    assert not {h.login for h in hires} & set(taken)
    assert len({h.login for h in hires}) == 40
    titles = get_pack("media").department("Editorial")
    assert all(h.title in titles.titles_at(h.level) and h.department == "Editorial" for h in hires)
    # The same call on a re-run gives the same people.
    assert hires == await OfflineContentProvider(12).hires("media", "Editorial", 40, taken, start_index=150)


async def test_title_for_promotions() -> None:
    provider = OfflineContentProvider(4)
    title = await provider.title_for("technology", "Engineering", 5, 0)
    assert title in get_pack("technology").department("Engineering").titles_at(5)
    assert await provider.title_for("technology", "Executive", 0, 0) == "Chief Executive Officer"
