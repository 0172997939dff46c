"""Text normalisation shared by the crawlers, the ingest and the store."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_LABEL_PUNCT = re.compile(r"[\s:：()（）\[\]【】<>《》\"'“”‘’、,，.。·*]+")
_COMPANY_SUFFIXES = ("有限责任公司", "股份有限公司", "有限公司")


def nfkc(text: str) -> str:
    """Full-width to half-width and compatibility forms (ＡＢＣ１２３ → ABC123, （ → ()."""
    return unicodedata.normalize("NFKC", text)


def normalize_label(label: str) -> str:
    """Key for matching a disclosure label or a column header.

    >>> normalize_label(" 借贷余额（元）：")
    '借贷余额元'
    >>> normalize_label("Amount (CNY)")
    'amountcny'
    """
    return _LABEL_PUNCT.sub("", nfkc(label)).lower()


def normalize_name(name: str) -> str:
    """Key for matching firm names across sources.

    Full-width/half-width, whitespace and the legal-form suffix are folded, so
    that 某某网络科技有限责任公司 and "某某网络科技 有限公司" match.

    >>> normalize_name("深圳市　某某网络科技有限责任公司")
    '深圳市某某网络科技'
    >>> normalize_name("深圳市某某网络科技（集团）有限公司")
    '深圳市某某网络科技(集团)'
    """
    text = _SPACE.sub("", nfkc(name))
    for suffix in _COMPANY_SUFFIXES:
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text
