"""Offline comment threads: short exchanges about a task between the people who work on it.

The thread's plan (``threads.plan``) says what each comment does: a question, its answer, a thanks;
an update and a reaction; a blocker, an offer to help, the all-clear. Templates come from the
exchange's script so an answer answers that question, and the slot values of one exchange (a day, a
number, who it is waiting on) are shared by all its messages. Text is about the task's own object and
the department's words. Mentions name only the thread's participants (never the author), a reply
goes to the person the message before it addressed, and nothing already said on the thread is said
again.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tenantsim.content.base import CommentIdea, ContentContext, derive_seed
from tenantsim.content.offline_work import find_pins, resolve_department, task_object, vocabulary
from tenantsim.content.packs import SLOT_RE, IndustryPack, get_pack
from tenantsim.content.templates import render, spoken_values, tidy
from tenantsim.content.threads import Step, load_conversation, plan

ATTEMPTS = 24
PAIR = "_pair"
NUDGE = "nudge"  # the move of an author who writes again where a reply was due
DEPARTMENT_LINE_SHARE = 0.2  # how often an update is one of the department's own lines
REPLY_MENTION_SHARE = {"casual": 0.35, "formal": 0.6, "terse": 0.25}
OPENER_MENTION = {"question": 1.0, "review": 1.0, "handoff": 1.0, "blocker": 0.5, "update": 0.3, "wrap": 0.0}
OWNER_OPENS = frozenset({"update", "review", "blocker", "handoff", "wrap"})
MENTION_RE = re.compile(r"@([^\s,.:;!?]+)")
_WORDS = re.compile(r"[a-z0-9%]+")


def normalized(text: str) -> str:
    """A comment's words without leading mentions or punctuation: what "the same comment" means."""
    body = re.sub(r"^(?:@[^\s,.:;!?]+[\s,:-]*)+", "", text.strip())
    return " ".join(_WORDS.findall(body.lower()))


@dataclass
class _Thread:
    ctx: ContentContext
    pack: IndustryPack
    department: str
    key: str  # what seeds this thread (project and task)
    seed: int
    obj: str
    steps: list[Step]
    names: list[str]
    owner: str | None
    slots: Mapping[str, Sequence[str]]
    pins: dict[str, str]  # task-specific slot values (the account, the show…)
    lines: tuple[str, ...]  # the department's own update lines that fit this task
    exchanges: dict[int, dict[str, str]] = field(default_factory=dict)  # exchange -> its slot values


def _style(pack: IndustryPack, author: str, seed: int) -> str:
    """A person writes in one style (from the pack's mix), whichever thread they are on."""
    rng = random.Random(derive_seed(seed, "style", author))
    names = [n for n, _ in pack.comment_styles]
    cumulative = list(itertools.accumulate(w for _, w in pack.comment_styles))
    return names[min(bisect.bisect_right(cumulative, rng.random() * cumulative[-1]), len(names) - 1)]


def _other(names: Sequence[str], avoid: set[str], rng: random.Random) -> str | None:
    choices = [n for n in names if n not in avoid]
    return choices[rng.randrange(len(choices))] if choices else None


def _addressed(text: str, names: Sequence[str]) -> str | None:
    found = MENTION_RE.search(text)
    return found.group(1) if found and found.group(1) in names else None


def _roles(thread: _Thread, index: int, history: list[CommentIdea], author: str | None,
           rng: random.Random) -> tuple[str | None, str | None]:
    """(author, addressee) of comment ``index``: a reply comes from the person the message before it
    addressed (else from someone other than its author) and often goes back to that author; an
    opener comes from the task's owner or asks the owner."""
    step = thread.steps[index]
    names, owner = thread.names, thread.owner
    previous = history[-1] if history else None
    if previous is not None and author is not None and author == previous.author and not step.opens:
        asked = _addressed(previous.text, names)  # writing again: a nudge to whoever was asked
        return author, (asked if asked != author else None)
    if not step.opens and previous is not None:
        if author is None:
            asked = _addressed(previous.text, names)
            earlier = history[-2].author if len(history) > 1 else None
            if asked and asked != previous.author:
                author = asked
            elif earlier and earlier != previous.author and earlier in names:
                author = earlier
            else:
                author = _other(names, {previous.author}, rng)
        to = previous.author if previous.author and previous.author != author else None
        return author, (to if to in names else None)
    if author is None:
        if step.kind in OWNER_OPENS and owner in names:
            author = owner
        else:
            author = _other(names, {owner} if owner and len(names) > 1 else set(), rng)
    if rng.random() >= OPENER_MENTION.get(step.kind, 0.5):
        return author, None
    if owner and owner != author and owner in names:
        return author, owner
    return author, _other(names, {author} if author else set(), rng)


def _exchange_pins(thread: _Thread, step: Step) -> dict[str, str]:
    """One value per slot for a whole exchange, so a question and its answer agree."""
    if step.exchange in thread.exchanges:
        return thread.exchanges[step.exchange]
    rng = random.Random(derive_seed(thread.seed, "pins", thread.key, step.exchange))
    pins = spoken_values(rng)
    conversation = load_conversation()
    wanted: set[str] = set()
    for move in set(itertools.chain(*conversation.flows[step.kind])):
        for template in conversation.templates_for(step.script, move):
            wanted.update(SLOT_RE.findall(template))
    for name in sorted(wanted):
        values = thread.slots.get(name)
        if name not in pins and values:
            pins[name] = render(values[rng.randrange(len(values))], rng, thread.slots)
    pins.update(thread.pins)
    pins[PAIR] = str(rng.randrange(1 << 16))  # which template the paired moves of this exchange use
    thread.exchanges[step.exchange] = pins
    return pins


def _compose(thread: _Thread, step: Step, author: str | None, to: str | None, rng: random.Random,
             pins: dict[str, str], style: str, nudge: bool = False) -> str:
    conversation = load_conversation()
    person = _other(thread.names, {n for n in (author, to) if n}, rng)
    templates = [t for t in conversation.templates_for(step.script, NUDGE if nudge else step.move)
                 if person or "{person}" not in t]
    if step.move in step.script.paired and not nudge:
        templates = [templates[int(pins[PAIR]) % len(templates)]]
    elif step.move == "update" and not nudge and thread.lines and rng.random() < DEPARTMENT_LINE_SHARE:
        templates = list(thread.lines)
    template = templates[rng.randrange(len(templates))]
    thanks = conversation.styles[style]["thanks"]
    fixed = {**pins, "object": thread.obj, "project": thread.ctx.project or "the project",
             "to": f"@{to}" if to else "", "thanks": thanks[rng.randrange(len(thanks))]}
    if person:
        fixed["person"] = person
    text = tidy(render(template, rng, thread.slots, fixed))
    if to and "{to}" not in template and not step.opens and rng.random() < REPLY_MENTION_SHARE[style]:
        text = f"@{to} {text}"
    return text


def _one(thread: _Thread, index: int, history: list[CommentIdea], author: str | None,
         said: set[str]) -> CommentIdea:
    """Comment ``index`` after ``history`` (whose normalized texts are ``said``; the new one is added)."""
    step = thread.steps[index]
    pins = _exchange_pins(thread, step)
    text = ""
    writer: str | None = None
    for attempt in range(ATTEMPTS):
        rng = random.Random(derive_seed(thread.seed, "comment", thread.key, index, attempt))
        writer, to = _roles(thread, index, history, author, rng)
        style = _style(thread.pack, writer or f"#{index}", thread.seed)
        if attempt >= ATTEMPTS // 2:  # still repeating: other days and numbers too
            pins = {**pins, **spoken_values(rng)}
        again = bool(history) and writer is not None and writer == history[-1].author and not step.opens
        text = _compose(thread, step, writer, to, rng, pins, style, nudge=again)
        if normalized(text) not in said:
            break
    else:
        text = f"{text} (re {pins['version']}, {pins['time']})"
    said.add(normalized(text))
    return CommentIdea(text=text, author=writer or "")


def _thread(ctx: ContentContext, count: int, start_index: int, seed: int) -> _Thread:
    pack = get_pack(ctx.industry)
    spec = resolve_department(pack, ctx, 0, seed)
    slots = vocabulary(pack.key, spec.name)
    about = ctx.task or ctx.project or spec.name
    obj, _group = task_object(pack.key, spec.name, ctx.task) if ctx.task else ("this", None)
    pins = find_pins([ctx.project or "", ctx.task or ""], slots)
    lines = tuple(line for line in spec.comments
                  if set(SLOT_RE.findall(line)) & set(pins) and set(SLOT_RE.findall(line)) <= {*slots, *pins})
    done = ctx.extra.get("task_done", "").lower() in ("yes", "true", "1")
    key = f"{ctx.project or ''}\x1f{about}"
    steps = plan(seed, key, start_index + count, ctx.thread_kind, done_from=start_index if done else None)
    owner = next(iter(ctx.names("owner")), None)
    return _Thread(ctx, pack, spec.name, key, seed, obj, steps, ctx.names(), owner, slots, pins, lines)


def make_comments(ctx: ContentContext, count: int, start_index: int, seed: int) -> list[CommentIdea]:
    """Comments ``start_index``.. of the thread on ctx.task, continuing ``ctx.thread`` (the earlier
    comments are worked out again when the caller does not pass them)."""
    thread = _thread(ctx, count, start_index, seed)
    history = list(ctx.thread)
    said = {normalized(c.text) for c in history}
    if not history:
        for index in range(start_index):
            history.append(_one(thread, index, history, None, said))
    given = next(iter(ctx.names("author")), None)
    out: list[CommentIdea] = []
    for index in range(start_index, start_index + count):
        idea = _one(thread, index, history, given if index == start_index else None, said)
        history.append(idea)
        out.append(idea)
    return out
