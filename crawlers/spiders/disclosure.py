"""Platform websites: walk the site, read every monthly report (信息披露) and notice (公告) found."""

from __future__ import annotations

import logging

from crawlers.extract.disclosure import extract_disclosure, page_outcome
from crawlers.extract.events import notice_event
from crawlers.extract.html import parse_html
from crawlers.extract.registry import extract_registry, site_brands
from crawlers.extract.tables import key_values, pick
from crawlers.spiders.base import SourceSpider
from crawlers.synonyms import FILE_NAME, SynonymsError, load_synonyms

log = logging.getLogger(__name__)


def disclosure_facts(result) -> tuple[str | None, str | None, list[dict]]:
    """(status, error, facts) of a disclosure page: every value read, a suspect one kept with its reason
    (the store flags it; indicators and detectors leave it out). The error names labels not understood."""
    facts = [{"metric": v.metric, "period": v.period, "value": v.value, "unit": v.unit, "raw_label": v.raw_label,
              "raw_value": v.raw_value, "suspect": v.suspect, "confidence": v.confidence} for v in result.values]
    status, error, _plausible = page_outcome(result)
    if status is None:
        return None, None, []
    unknown = f"labels not understood: {'、'.join(result.not_understood[:10])}" if result.not_understood else None
    if any(not f["suspect"] for f in facts):
        return "ok", unknown, facts
    suspects = "; ".join(f"{v.raw_label}={v.raw_value} ({v.period:%Y-%m}): {v.suspect}"
                         for v in result.values if v.suspect)
    if suspects:  # every figure read is implausible: kept flagged, the page still needs a reader
        return "unreadable", f"suspect values only: {suspects}", facts
    return status, error, facts


def organisation(text: str, url: str, tree=None) -> dict | None:
    """A platform's own 组织信息 / 关于我们 page: its 实际控制人 (the registry stays the source of the firm,
    its shareholders and officers), or None."""
    res = extract_registry(text, url, tree)
    if res.company is None or not (res.controllers or res.shareholders):
        return None
    name = pick(key_values(tree if tree is not None else parse_html(text)), "公司全称", "运营主体", "企业全称",
                "公司名称") or res.company["name"]
    if not name.endswith(("公司", "企业", "合伙)", "合伙）")):
        return None  # the firm is not named on the page: the registry names it
    return {"published_at": res.published_at,
            "records": {"about": {"name": name, "uscc": res.company["uscc"], "controllers": res.controllers}}}


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
        status, error, facts = disclosure_facts(result)
        # Every page is also read as a notice: a wind-down notice stating 借贷余额 records its event and its facts.
        notice = notice_event(text, response.url, tree)
        records: dict = {"facts": facts} if facts else {}
        brands = site_brands(text, tree)  # the platform's own page: its brand (汇溪贷) links complaints and news
        if brands:
            records["aliases"] = brands
        if notice is not None:
            records["events"] = [{**notice, "institution_id": src.get("institution_id"), "url": response.url}]
            return {"status": "ok", "error": error, "records": records,
                    "published_at": notice["published_at"] or result.published_at}
        if status is None:
            status, error = "skipped", None  # a page without disclosure figures (home, index)
            about = organisation(text, response.url, tree)
            if about is not None:  # 组织信息 / 关于我们: 实际控制人 and shareholders as the platform states them
                records.update(about["records"])
                return {"status": "ok", "error": None, "published_at": about["published_at"], "records": records}
        return {"status": status, "error": error, "published_at": result.published_at, "records": records}
