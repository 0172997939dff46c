"""Text normalisation shared by the crawlers, the ingest and the store."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_LABEL_PUNCT = re.compile(r"[\s:：()（）\[\]【】<>《》\"'“”‘’、,，.。·*]+")
_COMPANY_SUFFIXES = ("有限责任公司", "股份有限公司", "有限公司")
# A 身份证 number and a USCC (统一社会信用代码), as regular expressions to match whole (the ingest
# applies them to whole columns in polars, :func:`guess_holder_kind` to one value).
PERSON_ID = r"[1-8]\d{5}(18|19|20)\d{2}[01]\d[0-3]\d\d{3}[\dX]"
COMPANY_ID = r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}"


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


# A county-level division right after the city (or prefecture) in an address: 南山区, 宝安县, 某某旗.
_DISTRICT = re.compile(r"^(?:[\u4e00-\u9fff]{1,7}?(?:省|自治区))?[\u4e00-\u9fff]{1,8}?(?:市|自治州|地区|盟)"
                       r"([\u4e00-\u9fff]{1,5}?(?:区|县|旗))")
# Place words ending in 区 that are not districts.
_NOT_DISTRICT = ("园区", "小区", "社区", "校区", "街区", "厂区", "片区", "景区", "工业区", "商业区", "新区域")


def district_of(address: str | None) -> str | None:
    """The district (区/县/旗) an address names right after its city, else ``None``.

    >>> district_of("示范市南山区滨海大道368号创业大厦39楼")
    '南山区'
    >>> district_of("广东省深圳市福田区深南大道1号")
    '福田区'
    >>> district_of("示范市科技园区8栋") is None
    True
    """
    if not address:
        return None
    found = _DISTRICT.match(_SPACE.sub("", nfkc(address)))
    if found is None or found.group(1).endswith(_NOT_DISTRICT):
        return None
    return found.group(1)


def guess_holder_kind(holder_id: str | None) -> str | None:
    """``company`` for an 18-character USCC, ``person`` for a (masked) 身份证 number, else ``None``.

    The ingest applies the same rule to whole columns (``monitor.accounts.accounts_document``).
    """
    if not holder_id:
        return None
    text = holder_id.strip().upper()
    if "*" in text or re.fullmatch(PERSON_ID, text):
        return "person"
    if re.fullmatch(COMPANY_ID, text):
        return "company"
    return None
