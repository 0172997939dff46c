"""Downloader middleware: stop a source after too many errors or pages."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


class SourceBudgetMiddleware:
    """Drop queued requests of a source the spider has abandoned (``spider.state.abandoned``)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        state = getattr(self.crawler.spider, "state", None)
        source_id = request.meta.get("source_id")
        if state is not None and source_id in state.abandoned:
            raise IgnoreRequest(f"source {source_id} abandoned: {state.abandoned[source_id]}")
        return None
