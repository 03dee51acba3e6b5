"""Work that reads like a real team's: comment threads, task names, subtasks and notes from the offline
grammars, measured at the scale of a month of a five-person workspace."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pytest

from tenantsim.content.base import CommentIdea, ContentContext
from tenantsim.content.offline import OfflineContentProvider
from tenantsim.content.offline_talk import MENTION_RE, normalized
from tenantsim.content.offline_work import task_object
from tenantsim.content.packs import PACK_DIR, get_pack, list_industries
from tenantsim.content.templates import collapse_doubled, tidy

PEOPLE = ("Ava", "Liam", "Maya", "Dong-hyun", "Baraka")
DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)
SUFFIXED = re.compile(r"\((jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\)|- (h1|h2|q[1-4]|round \d)",
                      re.IGNORECASE)
STOP = frozenset("the and for with from into this that before after about over ahead".split())
STOCK = ("contoso", "initech", "globex", "acme", "fabrikam", "northwind", "hooli", "umbrella corp",
         "wayne holdings", "stark logistics", "vandelay", "dunder mifflin", "tailspin toys",
         "wide world importers", "wonka", "cyberdyne", "tyrell", "massive dynamic", "competitor a")


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9][a-z0-9'-]{2,}", text.lower()) if w not in STOP}


def media_tasks(provider: OfflineContentProvider, per_project: int,
                projects: int = 3) -> list[tuple[str, str, str]]:
    """(department, project, task name) for the media company's departments, shuffled."""
    pack = get_pack("media")
    found: list[tuple[str, str, str]] = []
    for spec, _share in pack.departments:
        if spec.name == "Executive":
            continue
        home = ContentContext(industry="media", seed=1, department=spec.name)
        for project in provider.projects_sync(home, projects):
            ctx = ContentContext(industry="media", seed=1, department=spec.name, project=project.name)
            found += [(spec.name, project.name, t.name) for t in provider.tasks_sync(ctx, per_project)]
    random.Random(4).shuffle(found)
    return found


def run_thread(provider: OfflineContentProvider, department: str, project: str, task: str, length: int,
               rng: random.Random) -> list[CommentIdea]:
    """A thread as the Asana adapter writes one: whoever the last comment asked answers it, else someone
    other than its author; each comment is asked for with the thread so far and its author."""
    owner = rng.choice(PEOPLE)
    thread: list[CommentIdea] = []
    for index in range(length):
        asked = MENTION_RE.search(thread[-1].text) if thread else None
        last = thread[-1].author if thread else None
        others = [p for p in PEOPLE if p != last]
        author = asked.group(1) if asked and asked.group(1) != last else rng.choice(others)
        ctx = ContentContext(industry="media", seed=1, department=department, project=project, task=task,
                             extra={"mentions": ",".join(PEOPLE), "owner": owner, "author": author},
                             thread=tuple(thread))
        idea = provider.comments_sync(ctx, 1, index)[0]
        assert idea.author == author
        thread.append(idea)
    return thread


def test_a_month_of_comments_reads_like_a_team() -> None:
    provider = OfflineContentProvider(2024)
    rng = random.Random(7)
    tasks = iter(media_tasks(provider, per_project=25))
    threads: list[list[CommentIdea]] = []
    total = 0
    while total < 3000:
        department, project, task = next(tasks)
        threads.append(run_thread(provider, department, project, task, rng.randint(1, 6), rng))
        total += len(threads[-1])
    texts = [c.text for thread in threads for c in thread][:3000]
    bodies = [re.sub(r"^@\S+\s+", "", t) for t in texts]
    distinct, distinct_bodies = len(set(texts)) / len(texts), len(set(bodies)) / len(bodies)
    print(f"\n{len(texts)} comments in {len(threads)} threads: {distinct:.1%} distinct, "
          f"{distinct_bodies:.1%} without the leading @name; most repeated: {Counter(bodies).most_common(3)}")
    assert distinct >= 0.9 and distinct_bodies >= 0.9
    for thread in threads:
        said = [normalized(c.text) for c in thread]
        assert len(set(said)) == len(said), [c.text for c in thread]
        for comment in thread:
            mentioned = MENTION_RE.findall(comment.text)
            assert set(mentioned) <= set(PEOPLE), comment.text
            assert comment.author not in mentioned, comment  # nobody mentions themself
    assert not [t for t in texts if DOUBLED.search(t)]
    assert not [t for t in texts if "{" in t or "}" in t]


def test_four_hundred_task_names_need_no_suffixes_and_subtasks_break_their_task_down() -> None:
    provider = OfflineContentProvider(99)
    pack = get_pack("media")
    ideas = []
    for spec, _share in pack.departments:
        if spec.name == "Executive":
            continue
        home = ContentContext(industry="media", seed=1, department=spec.name)
        for project in provider.projects_sync(home, 3):
            ctx = ContentContext(industry="media", seed=1, department=spec.name, project=project.name)
            ideas += provider.tasks_sync(ctx, 11)
    ideas = ideas[:400]
    names = [t.name for t in ideas]
    assert len(names) == 400
    assert not [n for n in names if SUFFIXED.search(n)]
    assert len(set(names)) / len(names) >= 0.95
    assert not [n for n in names if DOUBLED.search(n)]
    for idea in ideas:
        for subtask in idea.subtasks:
            assert words(subtask) & words(idea.name), (idea.name, subtask)
        assert words(idea.notes) & words(idea.name), (idea.name, idea.notes)
    assert sum(bool(t.subtasks) for t in ideas) > 200
    notes = [t.notes for t in ideas]
    assert len(set(notes)) == len(notes)  # no fixed sentences shared by every kind of work


@pytest.mark.parametrize("industry", list_industries())
def test_every_industry_names_tasks_without_suffixes(industry: str) -> None:
    provider = OfflineContentProvider(5)
    for spec, _share in get_pack(industry).departments:
        ctx = ContentContext(industry=industry, seed=2, department=spec.name, project="Main board")
        tasks = provider.tasks_sync(ctx, 150)
        names = [t.name for t in tasks]
        assert len(set(names)) == len(names), spec.name
        assert not [n for n in names if SUFFIXED.search(n) or DOUBLED.search(n)], spec.name
        for task in tasks:
            assert all(words(s) & words(task.name) for s in task.subtasks), (task.name, task.subtasks)


def test_without_names_nobody_is_mentioned() -> None:
    provider = OfflineContentProvider(3)
    for _department, project, task in media_tasks(provider, per_project=2)[:40]:
        ctx = ContentContext(industry="media", seed=1, project=project, task=task)
        assert not [c.text for c in provider.comments_sync(ctx, 6) if "@" in c.text]
        ideas = provider.tasks_sync(ContentContext(industry="media", seed=1, project=project), 3)
        assert not [t for t in ideas if "@" in t.name + t.notes + "".join(t.subtasks)]


def test_a_question_is_answered_by_the_person_asked() -> None:
    provider = OfflineContentProvider(8)
    for _department, project, task in media_tasks(provider, per_project=2)[:30]:
        ctx = ContentContext(industry="media", seed=1, project=project, task=task, thread_kind="question",
                             extra={"mentions": ",".join(PEOPLE), "owner": "Maya"})
        ask, answer = provider.comments_sync(ctx, 2)
        assert "?" in ask.text and ask.author != "Maya" and ask.text.startswith("@Maya")
        assert answer.author == "Maya" and "?" not in answer.text
        ctx.thread_kind = "review"
        request, feedback = provider.comments_sync(ctx, 2)
        assert request.author == "Maya"  # the owner asks for a review of their own work…
        reviewer = MENTION_RE.findall(request.text)[0]
        assert feedback.author == reviewer != "Maya"  # …and the reviewer answers


def test_the_author_is_never_mentioned_and_the_thread_is_not_repeated() -> None:
    provider = OfflineContentProvider(12)
    ctx = ContentContext(industry="media", seed=1, department="Content Production",
                         project="Field Notes Season 3", task="Color grade the Field Notes trailer",
                         extra={"mentions": "Ava,Liam"})
    whole = provider.comments_sync(ctx, 8)
    assert [c.text for c in provider.comments_sync(ctx, 4, 4)] == [c.text for c in whole[4:]]  # paged = whole
    for index in range(8):
        ctx.extra["author"] = "Ava"
        ctx.thread = tuple(whole[:index])
        idea = provider.comments_sync(ctx, 1, index)[0]
        assert "@Ava" not in idea.text and idea.author == "Ava"
        assert normalized(idea.text) not in {normalized(c.text) for c in whole[:index]}
    assert any("the Field Notes trailer" in c.text for c in whole)  # about the task's own object


def test_a_finished_task_is_closed_out() -> None:
    provider = OfflineContentProvider(2)
    ctx = ContentContext(industry="media", seed=1, department="Editorial", project="Metro Coverage Plan",
                         task="Edit the transit strike explainer",
                         extra={"task_done": "yes", "mentions": "Ava,Liam"})
    comment = provider.comments_sync(ctx, 1, 0)[0]
    assert "transit strike explainer" in comment.text and not comment.text.endswith("?")


@pytest.mark.parametrize(("industry", "department", "name", "about"), [
    ("media", "Content Production", "Color grade the Field Notes trailer for the June drop",
     "the Field Notes trailer"),
    ("media", "Editorial", "Pitch a story on rent control", "the story on rent control"),
    ("technology", "Sales", "Prep the demo for Harlow Freight before Friday", "the demo for Harlow Freight"),
    ("healthcare", "Nursing", "Build March schedule for the ICU", "the March schedule for the ICU"),
])
def test_task_objects_are_found_again_from_names(industry: str, department: str, name: str,
                                                  about: str) -> None:
    assert task_object(industry, department, name)[0] == about


def test_a_name_the_grammar_did_not_make_is_about_what_follows_its_verb() -> None:
    assert task_object("media", "Editorial", "Finalize the media kit for advertisers") == \
        ("the media kit for advertisers", None)  # a name the grammar did not make: what follows the verb


def test_doubled_words_are_collapsed() -> None:
    assert collapse_doubled("Get a legal read on the the stadium deal piece") == \
        "Get a legal read on the stadium deal piece"
    assert tidy("the The stadium deal piece ,  ok") == "The stadium deal piece, ok"
    assert tidy("a Opinion piece and a user") == "An Opinion piece and a user"


def test_no_stock_placeholder_companies() -> None:
    texts = [p.read_text(encoding="utf-8").lower() for p in sorted(PACK_DIR.glob("*.yaml"))]
    templates = Path(PACK_DIR).parents[1] / "templates"
    texts += [p.read_text(encoding="utf-8").lower() for p in sorted(templates.glob("*.yaml"))]
    found = {name for name in STOCK for text in texts if re.search(rf"\b{re.escape(name)}\b", text)}
    assert not found


def test_writing_again_where_a_reply_was_due_is_a_follow_up() -> None:
    provider = OfflineContentProvider(21)
    ctx = ContentContext(industry="media", seed=1, department="Editorial", project="Metro Coverage Plan",
                         task="Edit the transit strike explainer", thread_kind="question",
                         extra={"mentions": "Ava,Liam,Maya", "owner": "Liam", "author": "Ava"})
    ask = provider.comments_sync(ctx, 1)[0]
    assert ask.author == "Ava" and ask.text.startswith("@Liam")
    ctx.thread = (ask,)
    again = provider.comments_sync(ctx, 1, 1)[0]  # Ava again, before Liam answered
    assert again.author == "Ava" and "@Ava" not in again.text
    assert "transit strike explainer" in again.text and normalized(again.text) != normalized(ask.text)
