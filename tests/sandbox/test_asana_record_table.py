"""The Asana emulator's record table: the list order (moves between neighbours, spacing out when a gap is
used up) and the buckets lists are read from. After a seeded walk over the routes that move, link and
unlink records, every bucket must hold exactly what a scan of the records by their fields finds, in list
order (the scan each list made before the buckets existed)."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from tenantsim.sandbox.asana import create_app
from tenantsim.sandbox.asana.list_order import ListOrder
from tenantsim.sandbox.asana.record_links import filing_keys
from tenantsim.sandbox.asana.record_table import RecordTable
from tenantsim.sandbox.asana.snapshot import dump_store, load_store
from tenantsim.sandbox.asana.store import Store


def listed(order: ListOrder) -> list[str]:
    return sorted(order.key, key=order.key.__getitem__)


def test_list_order_moves_between_neighbours() -> None:
    order = ListOrder()
    for gid in "abcde":
        order.append(gid)
    order.move_before("e", "a")
    order.move_after("a", "c")
    order.move_to_end("b")
    order.move_before("d", "c")
    assert listed(order) == ["e", "d", "c", "a", "b"]
    order.remove("c")
    order.move_after("e", "b")
    assert listed(order) == ["d", "a", "b", "e"]


def test_list_order_spaces_keys_out_when_a_gap_is_used_up() -> None:
    order = ListOrder()
    for gid in ("first", "last"):
        order.append(gid)
    expected = ["first", "last"]
    for number in range(200):  # each lands just before "last": the same gap, halved every time
        order.append(f"m{number}")
        order.move_before(f"m{number}", "last")
        expected.insert(-1, f"m{number}")
    for number in range(200):  # and just after "first"
        order.append(f"n{number}")
        order.move_after(f"n{number}", "first")
        expected.insert(1, f"n{number}")
    assert listed(order) == expected
    assert sorted(order.key.values()) == order._sorted


def test_record_table_files_relinks_and_orders() -> None:
    table = RecordTable()
    for gid in ("1", "2", "3"):
        table[gid] = {"gid": gid, "resource_type": "task", "parent": None, "assignee": None,
                      "memberships": [], "tags": [], "dependencies": []}
    with table.relinking(table["3"]):
        table["3"]["parent"] = "1"
    with table.relinking(table["2"]):
        table["2"]["parent"] = "1"
    assert [t["gid"] for t in table.filed("task", "parent", "1")] == ["2", "3"]  # list order, not join order
    table.move(table["3"], before="2")
    assert [t["gid"] for t in table.filed("task", "parent", "1")] == ["3", "2"]
    assert [t["gid"] for t in table.filed("task")] == ["1", "3", "2"]
    assert table.count("task", "parent", "1") == 2 and table.first("task", "parent", "1") is table["3"]
    del table["3"]
    assert [t["gid"] for t in table.filed("task", "parent", "1")] == ["2"]
    assert table.pop("nope", None) is None
    with pytest.raises(TypeError):
        table.update({})


def scanned(store: Store) -> dict[tuple[str, ...], list[str]]:
    """Every bucket as a scan of the records (in list order) by their current fields finds it."""
    found: dict[tuple[str, ...], list[str]] = {}
    for record in store.records.in_order():
        for key in filing_keys(record):
            found.setdefault(key, []).append(record["gid"])
    return found


def assert_buckets_match_a_scan(store: Store) -> None:
    expected = scanned(store)
    assert set(store.records._buckets) == set(expected)
    for key, gids in expected.items():
        assert [r["gid"] for r in store.records.filed(*key)] == gids, key
    assert len(store.records.order) == len(store.records)


class Walk:
    """Seeded calls, as several users, to the routes that create, move, link and delete records."""

    def __init__(self, client: httpx.AsyncClient, store: Store, tokens: list[str], seed: int) -> None:
        self.client, self.store, self.tokens, self.rng = client, store, tokens, random.Random(seed)

    def pick(self, kind: str) -> str:
        gids = sorted(g for g, r in self.store.records.items() if r["resource_type"] == kind)
        return self.rng.choice(gids) if gids else "0"

    async def call(self, method: str, path: str, data: dict[str, Any] | None = None) -> None:
        headers = {"Authorization": f"Bearer {self.rng.choice(self.tokens)}"}
        body = None if data is None else {"data": data}
        await self.client.request(method, path, headers=headers, json=body)

    async def step(self) -> None:
        p, r = self.pick, self.rng
        section = p("section")
        in_section = [t["gid"] for t in self.store.records.filed("task", "memberships.section", section)]
        anchor = {r.choice(["insert_before", "insert_after"]): r.choice(in_section)} if in_section else {}
        calls: list[tuple[str, str, dict[str, Any] | None]] = [
            ("POST", "/tasks", {"name": "t", "projects": [p("project")], "assignee": p("user"),
                                "tags": [p("tag")] if r.random() < 0.5 else []}),
            ("POST", f"/tasks/{p('task')}/subtasks", {"name": "s"}),
            ("POST", f"/tasks/{p('task')}/setParent", {"parent": r.choice([p("task"), None])}),
            ("POST", f"/tasks/{p('task')}/addDependencies", {"dependencies": [p("task")]}),
            ("POST", f"/tasks/{p('task')}/removeDependents", {"dependents": [p("task")]}),
            ("POST", f"/tasks/{p('task')}/addTag", {"tag": p("tag")}),
            ("POST", f"/tasks/{p('task')}/removeTag", {"tag": p("tag")}),
            ("POST", f"/tasks/{p('task')}/addProject", {"project": p("project")}),
            ("POST", f"/tasks/{p('task')}/removeProject", {"project": p("project")}),
            ("PUT", f"/tasks/{p('task')}", {"assignee": r.choice([p("user"), None])}),
            ("POST", f"/sections/{section}/addTask", {"task": p("task"), **anchor}),
            ("POST", f"/projects/{p('project')}/sections", {"name": "More"}),
            ("POST", "/projects", {"name": "p", "workspace": self.store.organization["gid"],
                                   "team": self.store.teams[0]["gid"]}),
            ("POST", f"/tasks/{p('task')}/stories", {"text": "hi"}),
            ("POST", f"/tasks/{p('task')}/duplicate", {"name": "copy", "include": "subtasks,tags,projects"}),
            ("POST", f"/projects/{p('project')}/duplicate", {"name": "copy", "include": "task_subtasks"}),
            ("POST", "/tags", {"workspace": self.store.organization["gid"], "name": "x"}),
            ("POST", "/status_updates", {"parent": p("project"), "status_type": "on_track", "text": "ok"}),
            ("DELETE", f"/tasks/{p('task')}", None),
            ("DELETE", f"/tags/{p('tag')}", None),
            ("DELETE", f"/sections/{p('section')}", None),
            ("DELETE", f"/projects/{p('project')}", None),
        ]
        weights = [6, 4, 3, 3, 2, 3, 2, 2, 2, 2, 6, 2, 2, 3, 1, 1, 2, 1, 2, 1, 1, 1]
        await self.call(*r.choices(calls, weights)[0])


async def test_buckets_match_a_scan_after_a_walk_and_a_reload() -> None:
    sandbox = create_app(users=6, seed=5)
    transport = httpx.ASGITransport(app=sandbox)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/1.0") as client:
        walk = Walk(client, sandbox.store, sandbox.tokens, seed=3)
        for _ in range(600):
            await walk.step()
        assert_buckets_match_a_scan(sandbox.store)
        moved = sandbox.store.records.in_order()
        sandbox.store = load_store(dump_store(sandbox.store))
        sandbox.app.state.store = sandbox.store
        assert [r["gid"] for r in sandbox.store.records.in_order()] == [r["gid"] for r in moved]
        assert_buckets_match_a_scan(sandbox.store)
        walk.store = sandbox.store
        for _ in range(200):
            await walk.step()
        assert_buckets_match_a_scan(sandbox.store)
