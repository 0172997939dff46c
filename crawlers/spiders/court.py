"""Court and enforcement lists (裁判文书/开庭公告, 被执行人, 失信被执行人): one event per case."""

from __future__ import annotations

from crawlers.extract.events import extract_article, extract_table_items, inline_posts
from crawlers.spiders.base import SourceSpider


class EventSpider(SourceSpider):
    """Board-like sources: list pages with rows or links to item pages."""

    family = "court"

    inline = False  # list pages may show whole posts (complaint boards): one event per post

    def extract(self, response, text: str, src: dict, tree=None) -> dict:
        events = inline_posts(text, response.url, self.family, tree) if self.inline else []
        if len(events) >= 2:
            return {"status": "ok", "published_at": None,
                    "records": {"events": [{**ev, "url": response.url} for ev in events]}}
        events, _page_text = extract_table_items(text, response.url, self.family, tree)
        if not events:
            item = extract_article(text, response.url, self.family, tree)
            events = [item] if item else []
        for ev in events:
            ev.setdefault("url", response.url)
        if not events:
            return {"status": "skipped"}
        published = events[0].get("published_at") if len(events) == 1 else None
        return {"status": "ok", "published_at": published, "records": {"events": events}}


class CourtSpider(EventSpider):
    name = "court"
    parser_name = "court"
    family = "court"
