"""Platform websites: walk the site, read every monthly report (信息披露) found."""

from __future__ import annotations

import logging

from crawlers.extract.disclosure import extract_disclosure, page_outcome
from crawlers.extract.events import closure_notice
from crawlers.spiders.base import SourceSpider
from crawlers.synonyms import FILE_NAME, SynonymsError, load_synonyms

log = logging.getLogger(__name__)


class DisclosureSpider(SourceSpider):
    name = "disclosure"
    parser_name = "disclosure"

    _synonyms: dict | None = None

    def synonyms(self) -> dict:
        """The operator's ``<instance_dir>/synonyms.toml``, read once per crawl."""
        if self._synonyms is None:
            config = getattr(self.state, "config", None)
            self._synonyms = {}
            if config is not None:
                try:
                    self._synonyms = load_synonyms(config.instance_path / FILE_NAME)
                except SynonymsError as exc:
                    log.error("operator synonyms not used: %s", exc)
        return self._synonyms

    def extract(self, response, text: str, src: dict, tree=None) -> dict:
        result = extract_disclosure(text, tree, self.synonyms())
        status, error, facts = page_outcome(result)
        if status is None:
            notice = closure_notice(text, response.url, tree)
            if notice is not None:
                return {"status": "ok", "published_at": notice["published_at"],
                        "records": {"events": [{**notice, "institution_id": src.get("institution_id"),
                                                "url": response.url}]}}
            status, error = "skipped", None  # a page without disclosure figures (home, index, about)
        return {"status": status, "error": error, "published_at": result.published_at,
                "records": {"facts": facts} if facts else {}}
