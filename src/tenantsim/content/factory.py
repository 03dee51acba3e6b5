"""Make a job's content provider: offline, or Anthropic (with pre-generation and offline fallback)."""

from __future__ import annotations

from tenantsim.content.base import ContentPoolStore, ContentProvider, NoticeCallback, UsageCallback
from tenantsim.content.offline import OfflineContentProvider
from tenantsim.content.prefetch import PrefetchingContentProvider

__all__ = ["check_anthropic_key", "make_provider"]


# The Anthropic SDK takes over a second to import: only jobs that use it pay for it, not every
# server start (a restart after a crash resumes jobs sooner).
async def check_anthropic_key(api_key: str, *, model: str, base_url: str | None = None) -> None:
    from tenantsim.content.anthropic import check_anthropic_key as check

    await check(api_key, model=model, base_url=base_url)


def make_provider(*, kind: str, seed: int, api_key: str | None, model: str, base_url: str | None,
                  pool: ContentPoolStore | None, on_usage: UsageCallback | None,
                  on_notice: NoticeCallback | None) -> ContentProvider:
    """``kind`` is the job's content_provider. The offline provider is used when the job asks for it
    or no Anthropic key is available (saying so once when the job asked for Anthropic)."""
    offline = OfflineContentProvider(seed)
    if kind == "offline":
        return offline
    if kind != "anthropic":
        raise ValueError(f"unknown content provider {kind!r}: expected 'offline' or 'anthropic'")
    if not api_key:
        if on_notice is not None:
            on_notice("Content: no Anthropic API key is available; using offline content.")
        return offline
    from tenantsim.content.anthropic import AnthropicContentProvider

    model_provider = AnthropicContentProvider(api_key, model, pool, offline, on_usage, on_notice,
                                              base_url=base_url, use_reported=True)
    return PrefetchingContentProvider(model_provider, offline)
