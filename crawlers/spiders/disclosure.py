"""Platform websites: walk the site, read every monthly report (信息披露) found."""

from __future__ import annotations

from crawlers.extract.disclosure import extract_disclosure
from crawlers.extract.events import closure_notice
from crawlers.spiders.base import SourceSpider


class DisclosureSpider(SourceSpider):
    name = "disclosure"
    parser_name = "disclosure"

    def extract(self, response, text: str, src: dict, tree=None) -> dict:
        result = extract_disclosure(text, tree)
        facts = [{"metric": v.metric, "period": v.period, "value": v.value, "unit": v.unit,
                  "raw_label": v.raw_label, "raw_value": v.raw_value} for v in result.values]
        if result.values:
            status, error = "ok", None
        elif result.reason:
            status, error = "unreadable", result.reason
        else:
            notice = closure_notice(text, response.url, tree)
            if notice is not None:
                return {"status": "ok", "published_at": notice["published_at"],
                        "records": {"events": [{**notice, "institution_id": src.get("institution_id"),
                                                "url": response.url}]}}
            status, error = "skipped", None  # a page without disclosure figures (home, index, about)
        return {"status": status, "error": error, "published_at": result.published_at,
                "records": {"facts": facts} if facts else {}}
