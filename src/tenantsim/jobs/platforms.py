"""A job's platforms: one, as the seed's ``connection_type`` says, or several (``platforms``) that play
the same company.

A multi-platform job stores the fields every platform shares at the top level of its configuration
and each platform's own fields (target, ``user_tokens``) in one entry of ``platforms``. Each adapter
sees its platform's configuration and ledger through a ``PlatformView`` of the job's context; its
progress keys are kept apart from the other platforms' so two adapters never read each other's marks.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from tenantsim.connectors.base import Connector, PlatformAdapter
from tenantsim.content.base import ContentProvider
from tenantsim.jobs.context import RunningJobContext
from tenantsim.store.ledger_types import Ledger

# Progress the job keeps per platform; ``seed_done`` is also summed into the job's own for its bar.
PER_PLATFORM = "platform_progress"


def is_multi(config: Mapping[str, Any]) -> bool:
    return isinstance(config.get("platforms"), list) and bool(config["platforms"])


def platform_configs(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each platform's full configuration: the shared fields overlaid with the platform's own."""
    if not is_multi(config):
        return [dict(config)]
    shared = {k: v for k, v in config.items() if k != "platforms"}
    return [{**shared, **entry} for entry in config["platforms"]]


def connection_types(config: Mapping[str, Any]) -> list[str]:
    return [str(c.get("connection_type") or "asana") for c in platform_configs(config)]


class PlatformView:
    """The job's context as one of its platforms sees it (the ``JobContext`` protocol)."""

    def __init__(self, job: RunningJobContext, config: dict[str, Any]) -> None:
        self.job = job
        self.config = config
        self.platform = str(config["connection_type"])
        self.job_id = job.job_id
        self.content: ContentProvider = job.content
        self.http_stats = job.http_stats  # one per job: it is keyed by tenant
        self.ledger: Ledger = job.ledger_for(self.platform)
        self.claims = job.claims

    def rng(self, *names: object) -> random.Random:
        return self.job.rng(self.platform, *names)

    def activity(self, event_type: str, message: str, objects: list[dict[str, Any]] | None = None) -> None:
        self.job.activity(event_type, message, objects)

    @property
    def progress(self) -> dict[str, Any]:
        """The job's own marks (``seeded``) with this platform's over them."""
        own = (self.job.progress.get(PER_PLATFORM) or {}).get(self.platform) or {}
        return {**self.job.progress, **own}

    def _merged(self, progress: dict[str, Any]) -> dict[str, Any]:
        every = dict(self.job.progress.get(PER_PLATFORM) or {})
        every[self.platform] = {**(every.get(self.platform) or {}), **progress}
        merged: dict[str, Any] = {PER_PLATFORM: every}
        if "seed_done" in progress:
            merged["seed_done"] = sum(int(p.get("seed_done") or 0) for p in every.values())
        return merged

    def checkpoint(self, **progress: Any) -> None:
        self.job.checkpoint(**self._merged(progress))

    def record_created(self, kind: str, key: str, platform_id: str, attrs: dict[str, Any] | None = None,
                       **progress: Any) -> None:
        self.job.progress.update(self._merged(progress))
        self.ledger.created(kind, key, platform_id, attrs, progress=dict(self.job.progress))

    async def checkpoint_now(self) -> None:
        await self.job.checkpoint_now()


async def open_adapters(connectors: Mapping[str, Connector], ctx: RunningJobContext) -> list[PlatformAdapter]:
    """The job's adapters, identity platforms first (they make the people the others refer to)."""
    if not is_multi(ctx.config):
        return [await connectors[str(ctx.config.get("connection_type") or "asana")].open_adapter(ctx)]
    adapters: list[PlatformAdapter] = []
    try:
        for config in platform_configs(ctx.config):
            view = PlatformView(ctx, config)
            adapters.append(await connectors[view.platform].open_adapter(view))
    except BaseException:
        for adapter in adapters:
            await adapter.aclose()
        raise
    return adapters


def merge_results(results: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """One cleanup result for several platforms: each platform's own under ``platforms``, the counts
    summed at the top (``users_deleted`` of Okta and Google together) and every error, said with its
    platform. One platform's result is returned as it is (the seed's shape)."""
    if len(results) == 1:
        return results[0][1]
    merged: dict[str, Any] = {"platforms": {name: result for name, result in results}, "errors": []}
    for name, result in results:
        for key, value in result.items():
            if isinstance(value, bool) or key == "platforms":
                continue
            if isinstance(value, int | float):
                merged[key] = merged.get(key, 0) + value
            elif isinstance(value, list) and key in ("errors", "failed_projects"):
                merged["errors"].extend(f"{name}: {item}" for item in value)
    return merged
