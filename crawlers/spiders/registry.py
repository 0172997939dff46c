"""Business registry: one company page per firm; related firms' pages are followed within a bound."""

from __future__ import annotations

from crawlers.extract.registry import extract_registry, is_company_page, registry_records
from crawlers.spiders.base import SourceSpider


class RegistrySpider(SourceSpider):
    name = "registry"
    parser_name = "registry"
    scope_segments = 1  # /registry/company/X.html links across /registry/ (lists, related firms)

    def extract(self, response, text: str, src: dict) -> dict:
        res = extract_registry(text, response.url)
        if res.company is None:
            if is_company_page(response.url, ""):
                return {"status": "unreadable", "error": res.reason, "published_at": res.published_at}
            return {"status": "skipped", "published_at": res.published_at}
        return {"status": "ok", "published_at": res.published_at, "records": registry_records(res)}
