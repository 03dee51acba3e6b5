"""Offline projects and tasks built from a department's vocabulary.

A task name is a verb, an object and sometimes a qualifier ("Color grade the Field Notes trailer for
the June drop"), composed from the department's work groups in ``_work.yaml`` (or, for departments
without them, from its task templates split into verb and object). ``templates.Enumerator`` walks every
combination of a project's forms once, so a project's names differ without "(Jun)" or "- round 3"
suffixes and the same index always gives the same task. Notes and subtasks are about the task's own
object: subtasks are steps of it ("Lock picture on …", "Get sign-off on …"). Comment threads about a
task (``offline_talk``) find its object again from its name with ``task_object``.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

from tenantsim.content.base import ContentContext, ProjectIdea, TaskIdea, derive_seed
from tenantsim.content.offline_people import slug
from tenantsim.content.packs import (
    RUNTIME_SLOTS,
    SLOT_RE,
    DepartmentSpec,
    IndustryPack,
    WorkGroup,
    get_pack,
    load_work_common,
)
from tenantsim.content.templates import Enumerator, render, spoken_values, tidy
from tenantsim.content.threads import load_conversation

SUBTASK_COUNTS = (0, 0, 2, 3, 3, 4, 5)
PROJECT_QUALIFIERS = (
    " - Phase 2", " - Phase 3", " - Wave 2", " - Wave 3", " - Pilot", " - Rollout", " (EMEA)", " (APAC)",
    " (North America)", " (LATAM)", " - Next Steps", " - Refresh",
)
SMALL_WORDS = frozenset("a an and at by for in of on or the to vs with".split())
WORD_RE = re.compile(r"[a-z][a-z&'-]{3,}")
LEGACY_NOTE_SHARE = 0.35  # how often a department's own note sentence leads a task's notes
PERSON_NOTE_SHARE = 0.5
TIME_SLOTS = frozenset({"month", "quarter", "half", "year", "weekday", "deadline"})
# Slots any text may fill at random without saying something about the wrong thing.
AMBIENT = TIME_SLOTS | {"meeting", "doc", "blocker", "percent", "count", "region", "office", "location"}
_TIMELY = re.compile(r"\{(?:weekday|month)\}|\bweek\b")
_MENTIONED = re.compile(r" (?:with|from|to) \{mention\}")
PARTICLES = frozenset("up out off down back through over".split())
CALENDAR = frozenset("January February March April May June July August September October November December "
                     "Monday Tuesday Wednesday Thursday Friday".split())
PREPOSITIONS = frozenset("on for with to about from in of into at".split())
DETERMINERS = frozenset("the a an this that these those our their his her its my your all each every "
                        "some any no last next".split())


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


@functools.cache
def vocabulary(industry: str, department: str) -> dict[str, tuple[str, ...]]:
    """Every slot a department's tasks, notes and threads may use: the conversation's fallbacks, then
    the pack's and the department's slots, then the department's words for talk."""
    pack = get_pack(industry)
    spec = pack.department(department)
    merged = dict(load_conversation().slots)
    merged.update(pack.slots_for(spec.name))
    merged.update(spec.talk)
    merged["by_when"] = load_work_common().notes["by_when"]
    return merged


# -- task forms ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Form:
    """One way a department names tasks: a verb (a slot over a group's verbs, or a fixed verb), an
    object template and, maybe, a qualifier slot."""

    verb: str  # "{_v0}" or a literal verb phrase
    obj: str
    qualifier: str | None  # the slot name of this form's qualifiers
    group: WorkGroup | None


@dataclass(frozen=True)
class Forms:
    by_template: Mapping[str, Form]
    slots: Mapping[str, tuple[str, ...]]
    patterns: tuple[tuple[re.Pattern[str], Form], ...]  # to find a task's object from its name


def _slot_names(text: str) -> set[str]:
    return set(SLOT_RE.findall(text))


def split_template(template: str) -> tuple[str, str]:
    """(verb, object) of a task template: "Follow up on redlines from {account}" -> ("Follow up on",
    "redlines from {account}"); the object starts at the first slot when only small words precede it."""
    words = template.split(" ")
    take = 1
    if len(words) > 2 and words[1] in PARTICLES:
        take = 3 if words[2] in PREPOSITIONS else 2
    rest = words[take:]
    lead = list(itertools.takewhile(lambda w: "{" not in w, rest))
    if lead and len(lead) < len(rest) and all(w.lower() in PREPOSITIONS | DETERMINERS for w in lead):
        take += len(lead)
    return " ".join(words[:take]), " ".join(words[take:])


def expand(template: str, slots: Mapping[str, tuple[str, ...]], limit: int = 240) -> list[str]:
    """Every text a (plain-valued) template can make, when there are at most ``limit``; else itself."""
    names = list(dict.fromkeys(SLOT_RE.findall(template)))
    lists = [slots.get(n, ()) for n in names]
    if not names or any(not values or any("{" in v for v in values) for values in lists):
        return [template]
    if len(list(itertools.islice(itertools.product(*lists), limit + 1))) > limit:
        return [template]
    out: list[str] = []
    for combo in itertools.product(*lists):
        values = dict(zip(names, combo, strict=True))
        out.append(SLOT_RE.sub(lambda m, values=values: values[m.group(1)], template))  # type: ignore[misc]
    return out


def _regex(template: str) -> str:
    parts = re.split(r"(\{\w+\})", template)
    return "".join(".+?" if SLOT_RE.fullmatch(p) else re.escape(p) for p in parts)


@functools.cache
def task_forms(industry: str, department: str) -> Forms:
    pack = get_pack(industry)
    spec = pack.department(department)
    slots: dict[str, tuple[str, ...]] = dict(vocabulary(industry, department))
    forms: dict[str, Form] = {}
    patterns: list[tuple[re.Pattern[str], Form]] = []

    def add(verb: str, obj: str, qualifiers: list[str], group: WorkGroup | None, key: str) -> None:
        plain = Form(verb, obj, None, group)
        forms[f"{verb} {obj}"] = plain
        fitting = [f" {q}" for q in qualifiers if not _slot_names(q) & _slot_names(obj)]
        if _slot_names(obj) & TIME_SLOTS:
            fitting = [q for q in fitting if not _TIMELY.search(q)]
        verbs = group.verbs if group is not None else (verb,)
        verb_re = "|".join(re.escape(v) for v in sorted(verbs, key=len, reverse=True))
        qual_re = "|".join(_regex(q.strip()) for q in fitting)
        tail = f"(?: (?:{qual_re}))?" if fitting else ""
        pattern = re.compile(rf"^(?:{verb_re}) (?P<object>{_regex(obj)}){tail}$")
        patterns.append((pattern, plain))
        if fitting:
            slots[key] = tuple(dict.fromkeys(text for q in fitting for text in expand(q, slots)))
            forms[f"{verb} {obj}{{{key}}}"] = Form(verb, obj, key, group)

    if spec.work:
        for g, group in enumerate(spec.work):
            slots[f"_v{g}"] = group.verbs
            for o, obj in enumerate(group.objects):
                add(f"{{_v{g}}}", obj, list(group.qualifiers), group, f"_q{g}_{o}")
    else:
        qualifiers = list(load_work_common().qualifiers)
        for t, template in enumerate(spec.tasks):
            template = _MENTIONED.sub("", template)
            if "{mention}" in template:
                continue
            verb, obj = split_template(template)
            if obj:
                add(verb, obj, qualifiers, None, f"_ql{t}")
    return Forms(forms, slots, tuple(patterns))


@functools.lru_cache(maxsize=256)
def _enumerator(industry: str, department: str, seed: int) -> Enumerator:
    forms = task_forms(industry, department)
    return Enumerator(tuple(forms.by_template), forms.slots, seed)


def as_reference(obj: str) -> str:
    """How a sentence refers to an object: 'bank accounts for March' -> 'the bank accounts for March';
    'Field Notes episode 4', 'the CMS' and '12 laptops' stay as they are."""
    obj = obj.strip()
    first = obj.split(" ", 1)[0]
    if not first:
        return "this"
    if first in ("a", "an"):  # "a story on rent control" is, once named, "the story on rent control"
        return f"the {obj.split(' ', 1)[1]}" if " " in obj else obj
    if first.lower() in DETERMINERS or first.endswith("'s"):
        return obj
    if first[0].islower() or first in CALENDAR or re.fullmatch(r"[QH]\d|\d{4}", first):
        return f"the {obj}"  # "the bank accounts…", "the March schedule…", "the Q3 board deck…"
    return obj


def task_object(industry: str, department: str, name: str) -> tuple[str, WorkGroup | None]:
    """What a task is about, from its name, as a sentence refers to it, and its work group (None for
    names this department's forms did not make: then everything after the verb)."""
    forms = task_forms(industry, department)
    for pattern, form in forms.patterns:
        found = pattern.match(name)
        if found:
            return as_reference(found.group("object")), form.group
    _verb, rest = split_template(name)
    rest = re.sub(r"\s+\((?:[^)]*)\)$|\s+-\s+[^-]+$", "", rest)  # a trailing "(…)" or "- …"
    return (as_reference(rest) if rest else "this"), None


# -- projects --------------------------------------------------------------------------------------
def _names_of(ctx: ContentContext) -> list[str]:
    return ctx.names("mentions")


def _fixed(ctx: ContentContext, rng: random.Random, **more: str) -> dict[str, str]:
    names = _names_of(ctx)
    fixed = {
        "project": ctx.project or "this project",
        "task": ctx.task or "this task",
        "company": ctx.company_name or "the company",
    }
    if names:
        fixed["mention"] = fixed["person"] = names[rng.randrange(len(names))]
    fixed.update(more)
    return fixed


def usable(templates: tuple[str, ...], known: set[str], names: bool, strict: bool = False) -> tuple[str, ...]:
    """Templates whose department slots are all known (else, unless ``strict``, all of them), without
    those that name a person when nobody is named."""
    if not names:
        templates = tuple(t for t in templates if "{mention}" not in t and "{person}" not in t)
    generic = AMBIENT | RUNTIME_SLOTS
    fitting = tuple(t for t in templates if _slot_names(t) <= known | generic)
    return fitting or (() if strict else templates)


def title_case(text: str) -> str:
    """Capitalise lower-case words of a name ('search API rewrite' -> 'Search API Rewrite')."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if word.isalpha() and word.islower() and (i == 0 or word not in SMALL_WORDS):
            words[i] = word[0].upper() + word[1:]
    return " ".join(words)


def find_pins(texts: list[str], slots: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Slot values already present in a project or task name, so notes and comments repeat them
    (a task about Harlow Freight gets comments about Harlow Freight)."""
    haystack = " ".join(texts).lower()
    if not haystack:
        return {}
    pins: dict[str, str] = {}
    for name, values in slots.items():
        if name.startswith("_"):
            continue
        for value in sorted(values, key=len, reverse=True):
            if len(value) >= 3 and "{" not in value and value.lower() in haystack:
                pins[name] = value
                break
    return pins


def _cycle_suffix(cycle: int, seed: int) -> str:
    """Projects are few: once every plain combination is used, later passes add a phase or region."""
    if cycle == 0:
        return ""
    qualifiers = list(PROJECT_QUALIFIERS)
    random.Random(seed).shuffle(qualifiers)
    return qualifiers[cycle - 1] if cycle <= len(qualifiers) else f" - Phase {cycle + 1}"


def _item_seed(seed: int, *parts: object) -> random.Random:
    return random.Random(derive_seed(seed, *parts))


@functools.lru_cache(maxsize=256)
def _project_enumerator(industry: str, department: str, seed: int) -> Enumerator:
    pack = get_pack(industry)
    return Enumerator(pack.department(department).projects, pack.slots_for(department), seed)


def make_projects(ctx: ContentContext, count: int, start_index: int, seed: int) -> list[ProjectIdea]:
    pack = get_pack(ctx.industry)
    names = bool(_names_of(ctx))
    out: list[ProjectIdea] = []
    for index in range(start_index, start_index + count):
        spec = resolve_department(pack, ctx, index, seed)
        slots = vocabulary(pack.key, spec.name)
        walk = _project_enumerator(pack.key, spec.name, derive_seed(seed, "projects", pack.key, spec.name))
        template, chosen, cycle = walk.pick(index)
        rng = _item_seed(seed, "project", pack.key, spec.name, index)
        suffix = _cycle_suffix(cycle, index % walk.total)
        rendered = render(template, rng, slots, _fixed(ctx, rng), chosen)
        name = tidy(title_case(rendered), sentences=False) + suffix
        notes_pool = (usable(spec.project_notes, set(chosen), names)
                      or (f"{{project}} - owned by {spec.name}.",))
        note = notes_pool[rng.randrange(len(notes_pool))]
        notes = tidy(render(note, rng, slots, _fixed(ctx, rng, project=name), chosen))
        sections = spec.sections[rng.randrange(len(spec.sections))]
        out.append(ProjectIdea(key=f"pr-{slug(spec.name)}-{index:05d}", name=name, notes=notes,
                               department=spec.name, sections=sections))
    return out


# -- tasks -----------------------------------------------------------------------------------------
def subtasks_for(industry: str, department: str, obj: str, group: WorkGroup | None, rng: random.Random,
                 count: int, fixed: Mapping[str, str],
                 chosen: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Up to ``count`` steps of the work on ``obj``, in the order they happen."""
    pool = list(dict.fromkeys([*(group.steps if group is not None else ()), *load_work_common().steps]))
    picked = sorted(rng.sample(range(len(pool)), min(count, len(pool))))
    slots = vocabulary(industry, department)
    steps = (tidy(render(pool[i], rng, slots, {**fixed, "object": obj}, chosen)) for i in picked)
    return tuple(dict.fromkeys(steps))


def _notes(pack: IndustryPack, spec: DepartmentSpec, obj: str, rng: random.Random, fixed: dict[str, str],
           chosen: dict[str, str]) -> str:
    notes = load_work_common().notes
    slots = vocabulary(pack.key, spec.name)
    values = {**spoken_values(rng), **fixed, "object": obj}
    parts = [notes["why"], notes["what"], notes["done"]]
    own = usable(spec.task_notes, set(chosen), "person" in fixed, strict=True)
    if own and rng.random() < LEGACY_NOTE_SHARE:
        parts[0] = own
    if "person" in fixed and notes.get("who") and rng.random() < PERSON_NOTE_SHARE:
        parts.append(notes["who"])
    return tidy(" ".join(render(p[rng.randrange(len(p))], rng, slots, values, chosen) for p in parts))


def make_tasks(ctx: ContentContext, count: int, start_index: int, seed: int) -> list[TaskIdea]:
    """Tasks for ctx.project. When ctx.task names a task, each idea's subtasks are steps of that task
    instead (for breaking an existing task down)."""
    pack = get_pack(ctx.industry)
    project = ctx.project or ""
    out: list[TaskIdea] = []
    for index in range(start_index, start_index + count):
        spec = resolve_department(pack, ctx, index, seed)
        forms = task_forms(pack.key, spec.name)
        walk = _enumerator(pack.key, spec.name, derive_seed(seed, "tasks", pack.key, spec.name, project))
        template, chosen, _cycle = walk.pick(index)
        form = forms.by_template[template]
        rng = _item_seed(seed, "task", pack.key, spec.name, project, index)
        fixed = _fixed(ctx, rng)
        verb = chosen.get(form.verb.strip("{}"), form.verb) if form.verb.startswith("{") else form.verb
        obj = render(form.obj, rng, forms.slots, fixed, chosen)
        qualifier = render(chosen[form.qualifier], rng, forms.slots, fixed, chosen) if form.qualifier else ""
        name = tidy(f"{verb} {obj}{qualifier}", sentences=False)
        name = name[:1].upper() + name[1:]
        reference = as_reference(tidy(obj, sentences=False))
        fixed["task"] = name
        pins = {**find_pins([project], vocabulary(pack.key, spec.name)), **chosen}
        notes = _notes(pack, spec, reference, rng, fixed, pins)
        wanted = SUBTASK_COUNTS[rng.randrange(len(SUBTASK_COUNTS))]
        if ctx.task:
            parent, group = task_object(pack.key, spec.name, ctx.task)
            subtasks = subtasks_for(pack.key, spec.name, parent, group, rng, max(wanted, 1), fixed)
        else:
            subtasks = subtasks_for(pack.key, spec.name, reference, form.group, rng, wanted, fixed, pins)
        out.append(TaskIdea(name=name, notes=notes, subtasks=subtasks))
    return out
