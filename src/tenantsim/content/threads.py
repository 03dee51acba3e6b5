"""How a comment thread goes: ``packs/_conversation.yaml`` loaded, and a thread's plan.

A thread is a run of exchanges. Each exchange has a kind (question, update, review, blocker, handoff,
or wrap once the task is done), follows one flow of that kind (its moves in order: ask, answer,
thank…) and one script (templates for each move written to fit each other). The plan of a thread is
a pure function of the job seed, the task and the position in the thread, so the same comment slot
always gets the same move, whoever asks and however the thread was paged.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from tenantsim.content.base import THREAD_KINDS, derive_seed
from tenantsim.content.packs import STYLES, PackError, _read, _slots, _strs

WRAP = "wrap"  # the kind of an exchange on a task that is done


@dataclass(frozen=True)
class Script:
    kind: str
    name: str
    moves: Mapping[str, tuple[str, ...]]  # move -> templates
    paired: tuple[str, ...] = ()  # moves whose templates go together by position (a question, its reply)


@dataclass(frozen=True)
class Conversation:
    kinds: tuple[tuple[str, float], ...]
    flows: Mapping[str, tuple[tuple[str, ...], ...]]
    scripts: Mapping[str, tuple[Script, ...]]
    moves: Mapping[str, tuple[str, ...]]  # templates for moves a script does not define
    styles: Mapping[str, Mapping[str, tuple[str, ...]]]  # style -> slot -> values
    slots: Mapping[str, tuple[str, ...]]

    def templates(self) -> Iterator[str]:
        """Every template (for checking that their slots resolve)."""
        for scripts in self.scripts.values():
            for script in scripts:
                for texts in script.moves.values():
                    yield from texts
        for texts in self.moves.values():
            yield from texts
        for slots in self.styles.values():
            for values in slots.values():
                yield from values

    def templates_for(self, script: Script, move: str) -> tuple[str, ...]:
        return script.moves.get(move) or self.moves.get(move) or ()

    def flows_for(self, script: Script) -> tuple[tuple[str, ...], ...]:
        """The flows of the script's kind that it (or ``moves``) has every move of."""
        return tuple(flow for flow in self.flows.get(script.kind, ())
                     if all(self.templates_for(script, move) for move in flow))


@functools.cache
def load_conversation() -> Conversation:
    raw = _read("_conversation.yaml")
    kinds = tuple((str(k), float(w)) for k, w in (raw.get("kinds") or {}).items())
    if not kinds or any(k not in THREAD_KINDS or w <= 0 for k, w in kinds):
        raise PackError(f"_conversation.yaml: kinds must be some of {', '.join(THREAD_KINDS)}, "
                        "with positive weights")
    flows: dict[str, tuple[tuple[str, ...], ...]] = {}
    for kind, options in (raw.get("flows") or {}).items():
        flows[str(kind)] = tuple(_strs(option, f"_conversation.flows.{kind}") for option in options or [])
    scripts: dict[str, tuple[Script, ...]] = {}
    for kind, items in (raw.get("scripts") or {}).items():
        found: list[Script] = []
        for item in items or []:
            name = str(item.get("name", ""))
            where = f"_conversation.scripts.{kind}.{name}"
            moves = {str(m): _strs(v, f"{where}.{m}") for m, v in item.items() if m not in ("name", "paired")}
            paired = _strs(item.get("paired"), f"{where}.paired")
            if len({len(moves.get(m, ())) for m in paired}) > 1 or any(not moves.get(m) for m in paired):
                raise PackError(f"{where}: paired moves need the same number of templates")
            found.append(Script(str(kind), name, moves, paired))
        scripts[str(kind)] = tuple(found)
    moves = _slots(raw.get("moves"), "_conversation.moves")
    styles = {str(s): _slots(v, f"_conversation.styles.{s}") for s, v in (raw.get("styles") or {}).items()}
    conversation = Conversation(kinds=kinds, flows=flows, scripts=scripts, moves=moves, styles=styles,
                                slots=_slots(raw.get("slots"), "_conversation.slots"))
    for kind in [k for k, _ in kinds] + [WRAP]:
        if not flows.get(kind) or not scripts.get(kind):
            raise PackError(f"_conversation.yaml: {kind} needs flows and scripts")
        for script in scripts[kind]:
            if not conversation.flows_for(script):
                raise PackError(f"_conversation.yaml: script {kind}.{script.name} has the moves of none of "
                                f"the {kind} flows")
    if set(styles) != set(STYLES):
        raise PackError(f"_conversation.yaml: styles must be {', '.join(STYLES)}")
    return conversation


@dataclass(frozen=True)
class Step:
    """One comment slot of a thread: which exchange, what kind, which script, which move."""

    exchange: int
    kind: str
    script: Script
    move: str
    opens: bool  # the first move of its exchange


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    names = [n for n, _ in pairs]
    return rng.choices(names, weights=[w for _, w in pairs])[0]


def plan(seed: int, task: str, length: int, first_kind: str | None = None,
         done_from: int | None = None) -> list[Step]:
    """The moves of a thread's first ``length`` comments. ``first_kind`` is the first exchange's kind;
    the first exchange that starts at or after ``done_from`` closes the task out (it is done)."""
    conversation = load_conversation()
    steps: list[Step] = []
    exchange = 0
    previous_kind = ""
    wrapped = False
    while len(steps) < length:
        rng = random.Random(derive_seed(seed, "exchange", task, exchange))
        if done_from is not None and len(steps) >= done_from and not wrapped:
            kind, wrapped = WRAP, True
        elif exchange == 0 and first_kind in conversation.flows:
            kind = str(first_kind)
        else:
            choices = tuple(p for p in conversation.kinds if p[0] != previous_kind) or conversation.kinds
            kind = _weighted(rng, choices)
        script = conversation.scripts[kind][rng.randrange(len(conversation.scripts[kind]))]
        flows = conversation.flows_for(script)
        flow = flows[rng.randrange(len(flows))]
        for number, move in enumerate(flow):
            steps.append(Step(exchange, kind, script, move, number == 0))
        previous_kind = kind
        exchange += 1
    return steps[:length]
