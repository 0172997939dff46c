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

    def process_response(self, request, response, spider=None):
        """Turn a redirect back to a URL of the same chain into an error (Scrapy would drop it silently)."""
        if response.status in (301, 302, 303, 307, 308) and b"Location" in response.headers:
            from urllib.parse import urljoin

            target = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if target in chain:
                raise IgnoreRequest(f"redirect loop: {' -> '.join(chain + [target])}"[:500])
        return response
