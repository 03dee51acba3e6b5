"""A loopback stand-in for the Anthropic Messages API, for tests and benchmarks.

It checks each request's shape the way our provider must send it (model, max_tokens, a tool with an
input_schema, tool_choice naming that tool, cached system instructions, the API key in x-api-key or,
as the installed SDK sends it, in "Authorization: Bearer") and answers with
tool_use content and usage numbers. ``script`` queues failures (status, headers) to answer first;
``always_fail`` answers every request with that status.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import deque
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

FIRST = ["Amara", "Bilal", "Chen", "Dagny", "Esperanza", "Farid", "Giulia", "Hiro", "Ines", "Jomo", "Kalani",
         "Leilani", "Mateus", "Nadia", "Oluwaseun", "Priya", "Quentin", "Rafaela", "Soren", "Thandiwe"]
LAST = ["Abara", "Bergstrom", "Castellanos", "Dlamini", "Eriksen", "Fujimoto", "Ghosh", "Halvorsen", "Ibekwe",
        "Jaramillo", "Kowalczyk", "Lindqvist", "Mbeki", "Nakashima", "Oyelaran", "Petrakis", "Quispe",
        "Rautenberg", "Sandoval", "Takahashi", "Umarov", "Valdivia", "Wojcik", "Xiong", "Yilmaz", "Zubiri"]
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"type": "error", "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message}}
    return JSONResponse(body, status_code=status, headers=headers or {})


class FakeAnthropic:
    def __init__(self, api_key: str, models: tuple[str, ...] = ("claude-test-1",)) -> None:
        self.api_key = api_key
        self.models = models
        self.script: deque[tuple[int, dict[str, str]]] = deque()
        self.always_fail: int | None = None
        self.requests: list[dict[str, Any]] = []  # every Messages request body, in order
        self.usages: list[dict[str, int]] = []  # the usage of every answered request, in order
        self.problems: list[str] = []  # request-shape violations
        self.answered = 0  # requests answered with tool_use content
        self.input_tokens = 0  # totals billed (input includes cache reads and writes)
        self.output_tokens = 0
        self._serial = itertools.count()
        self._cached_prefixes: set[str] = set()

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/v1/messages", self._messages, methods=["POST"]),
            Route("/v1/models/{model_id:path}", self._model, methods=["GET"]),
        ])

    def _auth_problem(self, request: Request) -> JSONResponse | None:
        # Older SDKs send the key as x-api-key; the installed one sends "Authorization: Bearer <key>".
        bearer = request.headers.get("authorization", "")
        sent = request.headers.get("x-api-key") or (bearer[7:] if bearer.startswith("Bearer ") else None)
        if sent != self.api_key:
            return _error(401, "invalid x-api-key")
        if not request.headers.get("anthropic-version"):
            self.problems.append("missing anthropic-version header")
            return _error(400, "anthropic-version header is required")
        return None

    async def _model(self, request: Request) -> JSONResponse:
        problem = self._auth_problem(request)
        if problem is not None:
            return problem
        model_id = request.path_params["model_id"]
        if model_id not in self.models:
            return _error(404, f"model: {model_id}")
        return JSONResponse({"type": "model", "id": model_id, "display_name": "Test model",
                             "created_at": "2025-01-01T00:00:00Z"})

    async def _messages(self, request: Request) -> JSONResponse:
        problem = self._auth_problem(request)
        if problem is not None:
            return problem
        body = await request.json()
        self.requests.append(body)
        shape = self._shape_problems(body)
        if shape:
            self.problems.extend(shape)
            return _error(400, "; ".join(shape))
        if self.always_fail is not None:
            return _error(self.always_fail, "scripted failure", {"retry-after": "0"})
        if self.script:
            status, headers = self.script.popleft()
            return _error(status, "scripted failure", headers)
        return self._answer(body)

    def _shape_problems(self, body: dict[str, Any]) -> list[str]:
        problems = []
        if not isinstance(body.get("model"), str) or not body["model"]:
            problems.append("model missing")
        if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] <= 0:
            problems.append("max_tokens missing")
        tools = body.get("tools") or []
        names = {t.get("name") for t in tools}
        if not tools or any(t.get("input_schema", {}).get("type") != "object" for t in tools):
            problems.append("tools need an input_schema of type object")
        choice = body.get("tool_choice") or {}
        if choice.get("type") != "tool" or choice.get("name") not in names:
            problems.append("tool_choice must name one of the tools")
        system = body.get("system")
        last = system[-1] if isinstance(system, list) and system else {}
        if last.get("cache_control") != {"type": "ephemeral"}:
            problems.append("system must end with a block marked cache_control ephemeral")
        messages = body.get("messages") or []
        if not messages or messages[0].get("role") != "user":
            problems.append("messages must start with a user turn")
        return problems

    def _answer(self, body: dict[str, Any]) -> JSONResponse:
        prompt = body["messages"][0]["content"]
        prompt = prompt if isinstance(prompt, str) else json.dumps(prompt)
        counts = [int(n) for n in re.findall(r"exactly (\d+)", prompt)] or [3]
        tool = body["tool_choice"]["name"]
        tool_input = self._tool_input(tool, prompt, counts)
        prefix = json.dumps([body["tools"], body["system"]], sort_keys=True)
        cached = len(prefix) // 4
        first_time = prefix not in self._cached_prefixes
        self._cached_prefixes.add(prefix)
        usage = {"input_tokens": 20 + len(prompt) // 4,
                 "output_tokens": 10 + len(json.dumps(tool_input)) // 4,
                 "cache_creation_input_tokens": cached if first_time else 0,
                 "cache_read_input_tokens": 0 if first_time else cached}
        self.input_tokens += usage["input_tokens"] + usage["cache_creation_input_tokens"] + usage[
            "cache_read_input_tokens"]
        self.output_tokens += usage["output_tokens"]
        self.usages.append(usage)
        self.answered += 1
        serial = next(self._serial)
        return JSONResponse({
            "id": f"msg_{serial:06d}", "type": "message", "role": "assistant", "model": body["model"],
            "content": [{"type": "tool_use", "id": f"toolu_{serial:06d}", "name": tool, "input": tool_input}],
            "stop_reason": "tool_use", "stop_sequence": None, "usage": usage,
        })

    def _tool_input(self, tool: str, prompt: str, counts: list[int]) -> dict[str, Any]:
        department = (re.search(r"Department: ([^.\n]+)\.", prompt) or [None, "Team"])[1]
        project = (re.search(r"Project: ([^\n]+?)\.\n", prompt) or [None, "Project"])[1]
        if tool == "record_people":
            people = []
            for _ in range(counts[0]):
                n = next(self._serial)
                people.append({"first_name": FIRST[n % len(FIRST)],
                               "last_name": f"{LAST[(n // len(FIRST)) % len(LAST)]}-{n // 520 + 1}"
                               if n >= 520 else LAST[(n // len(FIRST)) % len(LAST)]})
            return {"people": people}
        if tool == "record_projects":  # "- <department>: <n> projects." per department asked for
            asked = re.findall(r"^- (.+?): (\d+) projects\.", prompt, flags=re.MULTILINE)
            return {"project_sets": [
                {"department": name, "projects": [
                    {"name": f"{name} initiative {next(self._serial)}",
                     "notes": f"A {name} project reviewed weekly.",
                     "sections": ["Planned", "In progress", "Done"]}
                    for _ in range(int(count))]}
                for name, count in asked or [(department, "3")]]}
        if tool == "record_tasks":  # "- <project> (<department> department): <n> tasks." per project
            wanted = re.findall(r"^- (.+) \((.+?) department\): (\d+) tasks\.", prompt, flags=re.MULTILINE)
            return {"task_sets": [
                {"project": name, "tasks": [
                    {"name": f"{dept} task {next(self._serial)} for {name}",
                     "notes": "Owner drives it; review on Friday.", "subtasks": ["Draft", "Review"]}
                    for _ in range(int(count))]}
                for name, dept, count in wanted or [(project, department, str(counts[0]))]]}
        # "- <task>", then "  continues: <n> comments so far..." for a thread that goes on
        asked_threads = re.findall(r"^- (.+)$(?:\n  continues: (\d+) comments so far)?", prompt,
                                   flags=re.MULTILINE)
        per_thread = counts[1] if len(counts) > 1 else 3
        return {"threads": [
            {"task": task, "comments": [f"@{{mention}} update {int(so_far or 0) + i + 1} on {task}"
                                        for i in range(per_thread)]}
            for task, so_far in asked_threads]}
