"""Retries wait before they go: the n-th retry of a page waits ``base × 2^(n-1)`` (capped), so a
server that is briefly overwhelmed (a full listen backlog, a 503) gets time to recover."""

from __future__ import annotations

import asyncio

CAP_SECONDS = 30.0


class RetryBackoffMiddleware:
    """Delays requests that Scrapy's RetryMiddleware sent again (``meta["retry_times"]``)."""

    def __init__(self, base: float):
        self.base = base

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getfloat("RETRY_BACKOFF_BASE", 1.0))

    async def process_request(self, request, spider=None):
        tries = int(request.meta.get("retry_times") or 0)
        if tries and self.base > 0:
            await asyncio.sleep(backoff_delay(tries, self.base))
        return None


def backoff_delay(tries: int, base: float) -> float:
    """Seconds before retry number ``tries`` (1, 2, ...)."""
    return min(CAP_SECONDS, base * 2 ** (tries - 1))
