"""Offline projects, tasks and comment threads built from a department's vocabulary.

Names come from ``templates.Enumerator`` so a context's items are all different and the same
index always gives the same text. Tasks and comments stay inside the project's department
(a Sales project gets sales tasks and sales talk). ``ctx.extra["mentions"]`` (comma-separated
first names) makes comments mention real teammates.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
import re

from tenantsim.content.base import CommentIdea, ContentContext, ProjectIdea, TaskIdea, derive_seed
from tenantsim.content.names import draw_first_name
from tenantsim.content.offline_people import slug
from tenantsim.content.packs import (
    RUNTIME_SLOTS,
    SLOT_RE,
    DepartmentSpec,
    IndustryPack,
    get_pack,
    load_common,
)
from tenantsim.content.templates import Enumerator, render, sentence_case

SUBTASK_COUNTS = (0, 0, 2, 3, 3, 4, 5)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TASK_QUALIFIERS = (
    " - Q1", " - Q2", " - Q3", " - Q4", " - H1", " - H2", " - round 2", " - round 3", " - phase 2",
    " - follow-up", *(f" ({month})" for month in MONTHS),
)
PROJECT_QUALIFIERS = (
    " - Phase 2", " - Phase 3", " - Wave 2", " - Wave 3", " - Pilot", " - Rollout", " (EMEA)", " (APAC)",
    " (North America)", " (LATAM)", " - Next Steps", " - Refresh",
)
SMALL_WORDS = frozenset("a an and at by for in of on or the to vs with".split())
DEPARTMENT_NOTES_SHARE = 0.7
WORD_RE = re.compile(r"[a-z][a-z&'-]{3,}")


def resolve_department(pack: IndustryPack, ctx: ContentContext, index: int, seed: int) -> DepartmentSpec:
    """ctx.department when the pack has it; else the department whose vocabulary best matches
    ctx.project; else a seeded pick weighted by headcount share."""
    if ctx.department:
        try:
            return pack.department(ctx.department)
        except KeyError:
            pass
    if ctx.project:
        words = set(WORD_RE.findall(ctx.project.lower()))
        vocab = _vocabulary(pack.key)
        scores = {name: len(words & vocab[name]) for name in vocab}
        best = max(scores.values(), default=0)
        if best > 0:
            return pack.department(next(name for name, score in scores.items() if score == best))
    rng = random.Random(derive_seed(seed, "department", pack.key, ctx.project or "", index))
    choices = [(spec, share) for spec, share in pack.departments if spec.name != "Executive"]
    cumulative = list(itertools.accumulate(share for _, share in choices))
    draw = rng.random() * cumulative[-1]
    return choices[min(bisect.bisect_right(cumulative, draw), len(choices) - 1)][0]


@functools.cache
def _vocabulary(industry: str) -> dict[str, frozenset[str]]:
    pack = get_pack(industry)
    vocab: dict[str, frozenset[str]] = {}
    for spec, _share in pack.departments:
        texts = [SLOT_RE.sub(" ", t) for t in spec.projects]
        texts += [v for values in spec.slots.values() for v in values]
        texts += [spec.name, *spec.teams]
        vocab[spec.name] = frozenset(w for t in texts for w in WORD_RE.findall(t.lower()))
    return vocab


@functools.lru_cache(maxsize=256)
def _enumerator(industry: str, department: str, kind: str, seed: int) -> Enumerator:
    pack = get_pack(industry)
    spec = pack.department(department)
    templates = spec.projects if kind == "projects" else spec.tasks
    return Enumerator(templates, pack.slots_for(department), seed)


def _mentions(ctx: ContentContext, rng: random.Random) -> str:
    names = [n.strip() for n in ctx.extra.get("mentions", "").split(",") if n.strip()]
    return names[rng.randrange(len(names))] if names else draw_first_name(rng)


def _fixed(ctx: ContentContext, rng: random.Random, **more: str) -> dict[str, str]:
    fixed = {
        "mention": _mentions(ctx, rng),
        "project": ctx.project or "this project",
        "task": ctx.task or "this task",
        "company": ctx.company_name or "the company",
    }
    fixed.update(more)
    return fixed


def title_case(text: str) -> str:
    """Capitalise lower-case words of a name ('search API rewrite' -> 'Search API Rewrite')."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if word.isalpha() and word.islower() and (i == 0 or word not in SMALL_WORDS):
            words[i] = word[0].upper() + word[1:]
    return " ".join(words)


def find_pins(texts: list[str], slots: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Slot values already present in a project or task name, so notes and comments repeat them
    (a task about Globex gets comments about Globex)."""
    haystack = " ".join(texts).lower()
    if not haystack:
        return {}
    pins: dict[str, str] = {}
    for name, values in slots.items():
        for value in sorted(values, key=len, reverse=True):
            if len(value) >= 3 and "{" not in value and value.lower() in haystack:
                pins[name] = value
                break
    return pins


def compatible(templates: tuple[str, ...], known: set[str]) -> tuple[str, ...]:
    """Templates whose department-specific slots are all known (falls back to all of them)."""
    generic = set(load_common().slots) | RUNTIME_SLOTS
    fitting = tuple(t for t in templates if set(SLOT_RE.findall(t)) <= known | generic)
    return fitting or templates


def _cycle_suffix(kind: str, cycle: int, seed: int) -> str:
    """Once every plain combination is used, later passes add a qualifier (a quarter, a month, a
    phase) so names stay distinct and still read like real work."""
    if cycle == 0:
        return ""
    qualifiers = list(TASK_QUALIFIERS if kind == "tasks" else PROJECT_QUALIFIERS)
    random.Random(seed).shuffle(qualifiers)
    return qualifiers[cycle - 1] if cycle <= len(qualifiers) else f" (follow-up {cycle})"


def _item_seed(seed: int, *parts: object) -> random.Random:
    return random.Random(derive_seed(seed, *parts))


def make_projects(ctx: ContentContext, count: int, start_index: int, seed: int) -> list[ProjectIdea]:
    pack = get_pack(ctx.industry)
    out: list[ProjectIdea] = []
    for index in range(start_index, start_index + count):
        spec = resolve_department(pack, ctx, index, seed)
        slots = pack.slots_for(spec.name)
        names = _enumerator(pack.key, spec.name, "projects",
                            derive_seed(seed, "projects", pack.key, spec.name))
        template, chosen, cycle = names.pick(index)
        rng = _item_seed(seed, "project", pack.key, spec.name, index)
        suffix = _cycle_suffix("projects", cycle, index % names.total)
        name = title_case(render(template, rng, slots, _fixed(ctx, rng), chosen)) + suffix
        notes_pool = compatible(spec.project_notes, set(chosen)) or (f"{{project}} - owned by {spec.name}.",)
        note = notes_pool[rng.randrange(len(notes_pool))]
        notes = render(note, rng, slots, _fixed(ctx, rng, project=name), chosen)
        sections = spec.sections[rng.randrange(len(spec.sections))]
        out.append(ProjectIdea(key=f"pr-{slug(spec.name)}-{index:05d}", name=name, notes=notes,
                               department=spec.name, sections=sections))
    return out


def make_tasks(ctx: ContentContext, count: int, start_index: int, seed: int) -> list[TaskIdea]:
    pack = get_pack(ctx.industry)
    common = load_common()
    project = ctx.project or ""
    out: list[TaskIdea] = []
    for index in range(start_index, start_index + count):
        spec = resolve_department(pack, ctx, index, seed)
        slots = pack.slots_for(spec.name)
        names = _enumerator(pack.key, spec.name, "tasks",
                            derive_seed(seed, "tasks", pack.key, spec.name, project))
        template, chosen, cycle = names.pick(index)
        rng = _item_seed(seed, "task", pack.key, spec.name, project, index)
        fixed = _fixed(ctx, rng)
        suffix = _cycle_suffix("tasks", cycle, index % names.total)
        name = render(template, rng, slots, fixed, chosen) + suffix
        fixed["task"] = name
        chosen = {**find_pins([project], slots), **chosen}
        use_department = spec.task_notes and rng.random() < DEPARTMENT_NOTES_SHARE
        notes_pool = compatible(spec.task_notes, set(chosen)) if use_department else common.task_notes
        notes = render(notes_pool[rng.randrange(len(notes_pool))], rng, slots, fixed, chosen)
        subtask_pool = list(dict.fromkeys([*spec.subtasks, *common.subtasks]))
        wanted = min(SUBTASK_COUNTS[rng.randrange(len(SUBTASK_COUNTS))], len(subtask_pool))
        picked = (render(t, rng, slots, fixed, chosen) for t in rng.sample(subtask_pool, wanted))
        out.append(TaskIdea(name=name, notes=notes, subtasks=tuple(dict.fromkeys(picked))))
    return out


def _style(pack: IndustryPack, rng: random.Random) -> str:
    total = sum(w for _, w in pack.comment_styles)
    draw = rng.random() * total
    for name, weight in pack.comment_styles:
        if draw < weight:
            return name
        draw -= weight
    return pack.comment_styles[-1][0]


def make_comments(ctx: ContentContext, count: int, start_index: int, seed: int) -> list[CommentIdea]:
    """A thread: index 0 opens it (mentioning someone), later ones reply; the last of a call of
    three or more may close it out."""
    pack = get_pack(ctx.industry)
    common = load_common()
    spec = resolve_department(pack, ctx, 0, seed)
    slots = pack.slots_for(spec.name)
    pins = find_pins([ctx.project or "", ctx.task or ""], slots)
    lines = compatible(spec.comments, set(pins))
    out: list[CommentIdea] = []
    last = start_index + count - 1
    for index in range(start_index, start_index + count):
        rng = _item_seed(seed, "comment", pack.key, spec.name, ctx.project or "", ctx.task or "", index)
        style = common.styles[_style(pack, rng)]
        line = lines[rng.randrange(len(lines))]
        if index == 0:
            text = f"{style.openers[rng.randrange(len(style.openers))]} {line}"
        elif index == last and count >= 3 and rng.random() < 0.5:
            text = style.closers[rng.randrange(len(style.closers))]
        elif rng.random() < 0.55:
            text = style.replies[rng.randrange(len(style.replies))]
        elif rng.random() < 0.3:
            text = f"@{{mention}} {line}"
        else:
            text = sentence_case(line)
        out.append(CommentIdea(text=render(text, rng, slots, _fixed(ctx, rng), pins)))
    return out
