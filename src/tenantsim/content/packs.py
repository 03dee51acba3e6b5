"""Industry packs: the data files in ``content/packs/`` loaded, checked and cached.

A pack names the departments a company of that industry has (with headcount shares), its offices,
its products and comment style. Departments themselves (titles by level, teams, project and task
templates, comments) live in the shared ``_departments*.yaml`` libraries so packs can reuse them.
Templates use ``{slot}`` names resolved from, in order: the pack's per-department overrides, the
department's slots, the pack's slots, ``_common.yaml``. ``_work.yaml`` adds to a department what its
work is made of (verb x object groups for task names, steps for subtasks, words for threads and notes);
``_conversation.yaml`` says how comment threads go (loaded by ``content.threads``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

PACK_DIR = Path(__file__).resolve().parent / "packs"
SLOT_RE = re.compile(r"\{(\w+)\}")
LEVELS = range(1, 8)  # 1 department head ... 7 junior; 0 is the chief executive only
# Filled in at generation time rather than from slot lists.
RUNTIME_SLOTS = frozenset({"mention", "project", "task", "company", "object", "person", "to", "day", "day2",
                           "past", "time", "n", "n2", "pct", "letter", "version", "thanks"})
STYLES = ("casual", "formal", "terse")


class PackError(ValueError):
    """A pack file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class WorkGroup:
    """Verbs that each fit every object of the group; a task name is "<verb> <object>[ <qualifier>]"."""

    verbs: tuple[str, ...]
    objects: tuple[str, ...]
    qualifiers: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()  # subtasks, with {object}


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    cost_center: str
    apps: tuple[str, ...]
    titles: Mapping[int, tuple[str, ...]]
    teams: tuple[str, ...]
    projects: tuple[str, ...]
    project_notes: tuple[str, ...]
    sections: tuple[tuple[str, ...], ...]
    tasks: tuple[str, ...]
    task_notes: tuple[str, ...]
    subtasks: tuple[str, ...]
    comments: tuple[str, ...]
    slots: Mapping[str, tuple[str, ...]]
    work: tuple[WorkGroup, ...] = ()
    talk: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # words for threads and notes

    def titles_at(self, level: int) -> tuple[str, ...]:
        """Titles for a level, falling back to the nearest level the department defines."""
        if level in self.titles:
            return self.titles[level]
        nearest = min(self.titles, key=lambda have: (abs(have - level), -have))
        return self.titles[nearest]


@dataclass(frozen=True)
class Common:
    slots: Mapping[str, tuple[str, ...]]
    cross_groups: tuple[str, ...]


@dataclass(frozen=True)
class WorkCommon:
    """From ``_work.yaml``: what every department's tasks may use."""

    qualifiers: tuple[str, ...]  # for departments with only `tasks` templates
    steps: tuple[str, ...]  # subtasks any task can have
    notes: Mapping[str, tuple[str, ...]]  # task notes: one sentence per part (why, what, done, who)


@dataclass(frozen=True)
class IndustryPack:
    key: str
    display_name: str
    description: str
    company_first: tuple[str, ...]
    company_second: tuple[str, ...]
    comment_styles: tuple[tuple[str, float], ...]
    locations: tuple[tuple[str, float], ...]
    departments: tuple[tuple[DepartmentSpec, float], ...]  # shares normalised to sum to 1
    slots: Mapping[str, tuple[str, ...]]
    department_slots: Mapping[str, Mapping[str, tuple[str, ...]]]
    groups: tuple[str, ...]

    def department(self, name: str) -> DepartmentSpec:
        for spec, _share in self.departments:
            if spec.name.lower() == name.lower():
                return spec
        raise KeyError(name)

    @functools.cached_property
    def department_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec, _ in self.departments)

    def slots_for(self, department: str) -> dict[str, tuple[str, ...]]:
        """Every slot a department's templates may use, most specific source winning."""
        merged = dict(load_common().slots)
        merged.update(self.slots)
        merged.update(self.department(department).slots)
        merged.update(self.department_slots.get(department, {}))
        merged.setdefault("office", tuple(_office(name) for name, _ in self.locations))
        merged.setdefault("location", tuple(name for name, _ in self.locations))
        return merged


@dataclass(frozen=True)
class Culture:
    name: str
    weight: float
    first: tuple[str, ...]
    last: tuple[str, ...]


@dataclass(frozen=True)
class NamePool:
    cultures: tuple[Culture, ...]
    cross_culture_share: float


def _office(location: str) -> str:
    return location.split(",")[0]


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise PackError(f"{where}: expected a list")
    out: list[str] = []
    for item in value:
        if not isinstance(item, str):  # YAML reads 1:1 as 61 and yes as True: such values must be quoted
            raise PackError(f"{where}: {item!r} is not text (quote it)")
        text = item
        if text not in out:
            out.append(text)
    return tuple(out)


def _read(name: str) -> dict[str, Any]:
    path = PACK_DIR / name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        raise PackError(f"{name}: {exc}") from exc
    if not isinstance(data, dict):
        raise PackError(f"{name}: expected a mapping at the top")
    return data


def _slots(raw: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise PackError(f"{where}: slots must be a mapping")
    return {str(k): _strs(v, f"{where}.{k}") for k, v in raw.items()}


def _department(name: str, raw: dict[str, Any], where: str) -> DepartmentSpec:
    titles_raw = raw.get("titles") or {}
    titles = {int(level): _strs(v, f"{where}.titles.{level}") for level, v in titles_raw.items()}
    missing = [lvl for lvl in LEVELS if not titles.get(lvl)]
    if missing:
        raise PackError(f"{where}: no titles for levels {missing}")
    sections = tuple(_strs(s, f"{where}.sections") for s in raw.get("sections") or [])
    spec = DepartmentSpec(
        name=name,
        cost_center=f"CC-{raw.get('cost_center', 9000)}",
        apps=_strs(raw.get("apps"), f"{where}.apps"),
        titles=titles,
        teams=_strs(raw.get("teams"), f"{where}.teams"),
        projects=_strs(raw.get("projects"), f"{where}.projects"),
        project_notes=_strs(raw.get("project_notes"), f"{where}.project_notes"),
        sections=sections or (("To Do", "In Progress", "Done"),),
        tasks=_strs(raw.get("tasks"), f"{where}.tasks"),
        task_notes=_strs(raw.get("task_notes"), f"{where}.task_notes"),
        subtasks=_strs(raw.get("subtasks"), f"{where}.subtasks"),
        comments=_strs(raw.get("comments"), f"{where}.comments"),
        slots=_slots(raw.get("slots"), f"{where}.slots"),
    )
    for field_name in ("apps", "teams", "projects", "tasks", "comments"):
        if not getattr(spec, field_name):
            raise PackError(f"{where}: '{field_name}' is empty")
    return spec


@functools.cache
def load_common() -> Common:
    raw = _read("_common.yaml")
    return Common(
        slots=_slots(raw.get("slots"), "_common.slots"),
        cross_groups=_strs(raw.get("cross_groups"), "_common.cross_groups"),
    )


@functools.cache
def load_work_common() -> WorkCommon:
    raw = _read("_work.yaml")
    notes = _slots(raw.get("notes"), "_work.notes")
    for part in ("why", "what", "done", "by_when"):
        if not notes.get(part):
            raise PackError(f"_work.yaml: notes.{part} is empty")
    return WorkCommon(
        qualifiers=_strs(raw.get("qualifiers"), "_work.qualifiers"),
        steps=_strs(raw.get("steps"), "_work.steps"),
        notes=notes,
    )


def _work_groups(raw: Any, where: str) -> tuple[WorkGroup, ...]:
    groups: list[WorkGroup] = []
    for number, item in enumerate(raw or []):
        here = f"{where}.work[{number}]"
        if not isinstance(item, dict):
            raise PackError(f"{here}: expected a mapping")
        group = WorkGroup(verbs=_strs(item.get("verbs"), f"{here}.verbs"),
                          objects=_strs(item.get("objects"), f"{here}.objects"),
                          qualifiers=_strs(item.get("qualifiers"), f"{here}.qualifiers"),
                          steps=_strs(item.get("steps"), f"{here}.steps"))
        if not group.verbs or not group.objects:
            raise PackError(f"{here}: needs verbs and objects")
        if any("{" in verb for verb in group.verbs):
            raise PackError(f"{here}: verbs are plain words (slots go in objects)")
        groups.append(group)
    return tuple(groups)


def _with_work(library: dict[str, DepartmentSpec]) -> dict[str, DepartmentSpec]:
    """The departments with what ``_work.yaml`` says about them."""
    for name, raw in (_read("_work.yaml").get("departments") or {}).items():
        where = f"_work.yaml:{name}"
        if name not in library:
            raise PackError(f"{where}: no such department")
        spec = library[name]
        library[name] = replace(spec, work=_work_groups(raw.get("work"), where),
                                talk=_slots(raw.get("talk"), f"{where}.talk"),
                                slots={**spec.slots, **_slots(raw.get("slots"), f"{where}.slots")})
    return library


@functools.cache
def load_department_library() -> dict[str, DepartmentSpec]:
    library: dict[str, DepartmentSpec] = {}
    for path in sorted(PACK_DIR.glob("_departments*.yaml")):
        for name, raw in (_read(path.name).get("departments") or {}).items():
            if name in library:
                raise PackError(f"{path.name}: department {name!r} is defined twice")
            library[str(name)] = _department(str(name), raw, f"{path.name}:{name}")
    if not library["Executive"].titles.get(0):
        raise PackError("_departments.yaml: Executive needs a level 0 title (the chief executive)")
    return _with_work(library)


@functools.cache
def load_names() -> NamePool:
    raw = _read("_names.yaml")
    cultures = tuple(
        Culture(
            name=str(name),
            weight=float(c.get("weight", 1)),
            first=_strs(c.get("first"), f"_names.{name}.first"),
            last=_strs(c.get("last"), f"_names.{name}.last"),
        )
        for name, c in (raw.get("cultures") or {}).items()
    )
    if not cultures or any(not c.first or not c.last for c in cultures):
        raise PackError("_names.yaml: every culture needs first and last names")
    return NamePool(cultures=cultures, cross_culture_share=float(raw.get("cross_culture_share", 0.1)))


def _weighted(raw: Any, where: str) -> tuple[tuple[str, float], ...]:
    if isinstance(raw, dict):
        items = [(str(k), float(v)) for k, v in raw.items()]
    elif isinstance(raw, list):
        items = [(str(i["name"]), float(i.get("weight", 1))) for i in raw]
    else:
        raise PackError(f"{where}: expected a list or mapping")
    if not items or any(w <= 0 for _, w in items):
        raise PackError(f"{where}: weights must be positive")
    return tuple(items)


def _load_pack(key: str) -> IndustryPack:
    raw = _read(f"{key}.yaml")
    library = load_department_library()
    departments: list[tuple[DepartmentSpec, float]] = []
    for entry in raw.get("departments") or []:
        name = str(entry["name"])
        if name not in library:
            raise PackError(f"{key}.yaml: unknown department {name!r}")
        departments.append((library[name], float(entry["share"])))
    if not departments or departments[0][0].name != "Executive":
        raise PackError(f"{key}.yaml: the first department must be Executive")
    total = sum(share for _, share in departments)
    if abs(total - 1.0) > 0.02:
        raise PackError(f"{key}.yaml: department shares sum to {total:.3f}, not 1")
    company = raw.get("company") or {}
    pack = IndustryPack(
        key=key,
        display_name=str(raw.get("display_name") or key.replace("_", " ").title()),
        description=str(raw.get("description") or ""),
        company_first=_strs(company.get("first"), f"{key}.company.first"),
        company_second=_strs(company.get("second"), f"{key}.company.second") or ("",),
        comment_styles=_weighted(raw.get("comment_styles") or {"casual": 1}, f"{key}.comment_styles"),
        locations=_weighted(raw.get("locations"), f"{key}.locations"),
        departments=tuple((spec, share / total) for spec, share in departments),
        slots=_slots(raw.get("slots"), f"{key}.slots"),
        department_slots={
            str(dept): _slots(slots, f"{key}.department_slots.{dept}")
            for dept, slots in (raw.get("department_slots") or {}).items()
        },
        groups=_strs(raw.get("groups"), f"{key}.groups"),
    )
    _check_templates(pack)
    return pack


def _check_templates(pack: IndustryPack) -> None:
    """Every {slot} a department's templates use must resolve for this pack (recursively)."""
    from tenantsim.content.threads import load_conversation  # threads reads packs: import late

    conversation = load_conversation()
    work = load_work_common()
    for style_name, _ in pack.comment_styles:
        if style_name not in STYLES:
            raise PackError(f"{pack.key}.yaml: unknown comment style {style_name!r}")
    shared = [*work.qualifiers, *work.steps, *(t for part in work.notes.values() for t in part),
              *conversation.templates()]
    for spec, _share in pack.departments:
        slots = {**conversation.slots, **pack.slots_for(spec.name), **spec.talk}
        texts = [*spec.projects, *spec.project_notes, *spec.tasks, *spec.task_notes, *spec.subtasks,
                 *spec.comments, *shared, *(t for values in spec.talk.values() for t in values)]
        for group in spec.work:
            texts += [*group.objects, *group.qualifiers, *group.steps]
        seen: set[str] = set()
        while texts:
            text = texts.pop()
            for name in SLOT_RE.findall(text):
                if name in RUNTIME_SLOTS or name in seen or name in work.notes:
                    continue
                if name not in slots or not slots[name]:
                    raise PackError(f"{pack.key}.yaml: {spec.name} uses {{{name}}} but no slot defines it")
                seen.add(name)
                texts.extend(slots[name])


@functools.cache
def _all_packs() -> dict[str, IndustryPack]:
    keys = sorted(p.stem for p in PACK_DIR.glob("*.yaml") if not p.stem.startswith("_"))
    return {key: _load_pack(key) for key in keys}


def list_industries() -> list[str]:
    """The industry keys a job may name (``technology``, ``healthcare``, ...), sorted."""
    return list(_all_packs())


def display_names() -> dict[str, str]:
    """Industry key -> display name, for forms and listings."""
    return {key: pack.display_name for key, pack in _all_packs().items()}


def get_pack(industry: str) -> IndustryPack:
    """The pack for an industry key; raises KeyError naming the known ones when unknown."""
    packs = _all_packs()
    key = industry.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in packs:
        raise KeyError(f"unknown industry {industry!r}; known: {', '.join(packs)}")
    return packs[key]
