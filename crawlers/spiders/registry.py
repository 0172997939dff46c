"""Business registry: one company page per firm; related firms' pages are followed within a bound.

A source that starts at a company page follows only links to other company pages (shareholders,
guaranteed firms...), at most ``max_related`` per source; a source that starts at the registry's
list pages walks the lists (bounded like any source).
"""

from __future__ import annotations

from crawlers.extract.registry import extract_registry, is_company_page, registry_records
from crawlers.spiders.base import SourceSpider


class RegistrySpider(SourceSpider):
    name = "registry"
    parser_name = "registry"
    scope_segments = 1  # /registry/company/X.html links across /registry/ (lists, related firms)

    def extract(self, response, text: str, src: dict, tree=None) -> dict:
        res = extract_registry(text, response.url, tree)
        if res.company is None:
            if is_company_page(response.url, ""):
                return {"status": "unreadable", "error": res.reason, "published_at": res.published_at}
            return {"status": "skipped", "published_at": res.published_at}
        return {"status": "ok", "published_at": res.published_at, "records": registry_records(res)}

    def follow(self, response, src: dict, found):
        if not is_company_page(src["abs_url"], ""):
            yield from super().follow(response, src, found)
            return
        related = self.state.related
        for request in super().follow(response, src, found):
            if not is_company_page(request.url, ""):
                continue
            count = related.get(src["source_id"], 0)
            if count >= self.state.knobs["max_related"]:
                return
            related[src["source_id"]] = count + 1
            yield request
