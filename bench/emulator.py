"""An emulator process for the benchmarks: ``python -m bench.emulator okta|asana --port N ...``.

Serves the product's own sandbox emulators (several Okta orgs under /o0, /o1, ... when asked) and adds
``GET /_bench/windows``: for every rate-limit key, the calls the emulator's limiter allowed and refused
in each of its windows, read from the limiter's own decisions (so window edges are exact).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route

from tenantsim.sandbox.common import WindowDecision, WindowLimiter


class WindowCounts:
    """Wraps limiters: key -> window end -> [allowed, refused]."""

    def __init__(self) -> None:
        self.cells: dict[str, dict[float, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))

    def watch(self, limiter: WindowLimiter, prefix: str) -> None:
        original = limiter.hit

        def hit(key: str, limit: int) -> WindowDecision:
            decision = original(key, limit)
            self.cells[f"{prefix}{key}"][round(decision.reset_at, 3)][0 if decision.allowed else 1] += 1
            return decision

        limiter.hit = hit  # type: ignore[method-assign]

    def as_dict(self) -> dict[str, list[list[float]]]:
        return {key: [[end, served, refused] for end, (served, refused) in sorted(cells.items())]
                for key, cells in sorted(self.cells.items())}


def build(args: argparse.Namespace) -> Any:
    counts = WindowCounts()
    inner: Any
    described: dict[str, Any] = {}
    if args.platform == "okta":
        from tenantsim.sandbox.okta import create_app as create_okta

        mounts = []
        for index in range(args.orgs):
            org = create_okta(users=args.users, rate_limit=args.rate_limit, window_seconds=args.window,
                              seed=index)
            counts.watch(org.limiter, f"o{index}/")
            mounts.append(Mount(f"/o{index}", app=org))
        inner = Starlette(routes=mounts)
        described = {"orgs": [f"/o{i}" for i in range(args.orgs)]}
    else:
        from tenantsim.sandbox.asana import create_app as create_asana

        inner = create_asana(users=args.users, rate_limit=args.rate_limit, window_seconds=args.window)
        counts.watch(inner.limiter, "")
        described = {"asana": inner.describe(f"http://127.0.0.1:{args.port}")}

    async def windows(request: Request) -> JSONResponse:
        return JSONResponse({"window_seconds": args.window, "rate_limit": args.rate_limit,
                             "keys": counts.as_dict()})

    async def describe(request: Request) -> JSONResponse:
        return JSONResponse(described)

    async def ping(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    bench = Starlette(routes=[Route("/_bench/windows", windows), Route("/_bench/describe", describe),
                              Route("/_bench/ping", ping)])

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith("/_bench/"):
            await bench(scope, receive, send)
        else:
            await inner(scope, receive, send)

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("platform", choices=["okta", "asana"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--orgs", type=int, default=1)
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--rate-limit", type=int, default=0)
    parser.add_argument("--window", type=float, default=60.0)
    args = parser.parse_args()
    uvicorn.run(build(args), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
