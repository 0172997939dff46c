"""Disclosure labels read by meaning: normalisation, then an exact synonym or a keyword family.

``前十名借款人待还金额占比（%）※`` → item ``top10_borrower_share`` with the unit ``%`` and
confidence ``exact``; ``最大十户借款人待还占比`` → the same item by its keyword family
(confidence ``family``). Operator synonyms (``<instance_dir>/synonyms.toml``, read by
:mod:`crawlers.extract.synonyms`) are passed in as a plain mapping label → metric code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

from monitor.text import nfkc
from monitor.vocab import DISCLOSURE_ITEMS, METRICS_BY_NAME, Metric

# Footnote marks, removed before NFKC (which would turn ¹ and ① into digits).
_MARKS = re.compile(r"[\u00b9\u00b2\u00b3\u2070-\u209f\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf"
                    r"※△▲▽▼†‡*＊☆★◆◇◎○●§#＃]+")
_BRACKETS = re.compile(r"[(\[【](?P<q>[^()\[\]【】]{0,12})[)\]】]")
UNITS = ("亿元", "万元", "千元", "元", "万笔", "万人", "%", "‰", "笔", "人", "户", "个", "次")
_NUMBERING = re.compile(r"^(?:\d{1,2}[、.)]|[(]\d{1,2}[)]|[一二三四五六七八九十]{1,3}[、.]|[(][一二三四五六七八九十]{1,3}[)])")
_PREFIXES = ("自成立以来", "成立以来", "截至本月末", "截至当月末", "截至本期末", "截至月末", "本平台", "平台")
_DROP = re.compile(r"[\s:：/、,，.。·'\"“”‘’《》<>]+")
# Words that make a label something else than a disclosure item (marketing counters, reserves, growth).
_NOT_ITEM = ("注册", "准备金", "风险金", "人均", "环比", "同比", "增长", "较上月", "客服", "赚取", "收益额", "新增")
# Words of disclosure labels: a short label holding one of these and a figure is expected to be understood.
_LOOKS_LIKE = re.compile(r"余额|笔数|金额|人数|数量|逾期|代偿|占比|利率|收益率|借贷|出借|借款|成交|撮合|交易")


@dataclass(frozen=True)
class Label:
    metric: Metric | None
    unit: str | None  # a unit printed in the label: 万元, %, 笔 …
    confidence: str | None  # exact (a known spelling) / operator (synonyms.toml) / family / weak
    key: str  # the normalised label


def strip_marks(text: str) -> str:
    """The label without footnote marks (¹ ② ※ △ † ‡ *)."""
    return _MARKS.sub("", text)


def _split(text: str) -> tuple[str, list[str]]:
    """(core, bracketed qualifiers) of a label after NFKC; brackets removed from the core."""
    t = nfkc(strip_marks(text)).strip()
    quals = [m.group("q").strip() for m in _BRACKETS.finditer(t)]
    core = _BRACKETS.sub("", t)
    return core, quals


def normalize(text: str) -> str:
    """A label's key: marks, brackets, spaces, colons, numbering and prefixes removed (NFKC)."""
    core, _quals = _split(text)
    core = _DROP.sub("", _NUMBERING.sub("", core.strip()))
    for prefix in _PREFIXES:
        if core.startswith(prefix) and len(core) > len(prefix) + 1:
            core = core[len(prefix):]
            break
    for unit in ("单位亿元", "单位万元", "单位元", "亿元", "万元", "元", "%"):
        if core.endswith(unit) and len(core) > len(unit) + 2:
            core = core[: -len(unit)]
            break
    return core


def unit_of(text: str) -> str | None:
    """A unit printed in the label: in brackets（万元）, or as a suffix 借贷余额万元."""
    core, quals = _split(text)
    for q in quals:
        q = _DROP.sub("", q).removeprefix("单位")
        if q in UNITS:
            return q
    core = _DROP.sub("", core)
    for unit in ("亿元", "万元", "%"):
        if core.endswith(unit):
            return unit
    return None


def _qualifier_words(text: str) -> str:
    _core, quals = _split(text)
    return "".join(q for q in quals if _DROP.sub("", q).removeprefix("单位") not in UNITS and q not in ("不含", "含"))


@lru_cache(maxsize=1)
def _exact_table() -> dict[str, Metric]:
    table: dict[str, Metric] = {}
    for m in DISCLOSURE_ITEMS:
        for label in m.all_labels:
            table.setdefault(normalize(label), m)
    return table


def _family(t: str, value_unit: str | None) -> str | None:
    """The metric code a label's words name, or None (order matters: rates before amounts)."""
    def has(*words: str) -> bool:
        return any(w in t for w in words)

    if any(w in t for w in _NOT_ITEM) or (has("收益") and not has("年化")):
        return None
    count_word = has("笔数", "笔") or value_unit in ("笔", "万笔")
    if has("年化") and has("利率", "收益"):  # a product's 约定年化利率 is not the platform's average
        return "avg_yield" if has("平均", "历史", "综合") else None
    if has("逾期率") or (has("逾期") and has("占比", "比率", "比例")):
        if has("金额"):
            return "amount_overdue_rate"
        if has("笔数", "项目", "笔"):
            return "project_overdue_rate"
        return None
    if has("占比", "比例"):
        if has("十户", "前十", "十大", "前10"):
            return "top10_borrower_share"
        if has("最大单", "单一最大", "单户", "最大一户", "单一借款人"):
            return "top1_borrower_share"
        return None
    if has("逾期"):
        ninety = has("90天")
        if count_word:
            return "overdue_90_count" if ninety else "overdue_count"
        if has("金额", "额") or value_unit in ("元", "万元", "亿元"):
            return "overdue_90_amount" if ninety else "overdue_amount"
        return None
    if has("代偿"):
        return "compensatory_count" if count_word else "compensatory_amount"
    if has("关联"):
        if count_word:
            return "related_party_count"
        return "related_party_balance" if has("余额", "金额") else None
    if has("利息"):
        return "interest_balance" if has("余额", "待收", "待还", "待偿", "未偿还", "未还") else None
    lender, borrower = has("出借人", "投资人"), has("借款人", "融资人")
    if (lender or borrower) and (has("人数", "数量") or t.endswith("人") or value_unit in ("人", "万人")):
        if has("当期", "当月", "本月", "本期", "当前"):
            return "current_lenders" if lender else "current_borrowers"
        if has("累计"):
            return "cumulative_lenders" if lender else "cumulative_borrowers"
        return None
    if has("余额") or has("在贷", "待还", "待偿", "待收", "未到期", "未偿还"):
        if count_word:
            return "outstanding_count"
        if has("余额", "金额") or value_unit in ("元", "万元", "亿元"):
            return "outstanding_balance"
        return None
    if has("累计") and has("借贷", "交易", "成交", "撮合", "出借"):
        if count_word:
            return "cumulative_lending_count"
        if has("金额", "总额", "额"):
            return "cumulative_lending_amount"
    return None


def read_label(text: str, synonyms: Mapping[str, str] | None = None, value_unit: str | None = None) -> Label:
    """What a label names. ``synonyms``: operator label → metric code; ``value_unit``: the unit printed
    with the value (笔 tells a count from an amount for labels like 在贷借款)."""
    key = normalize(text)
    unit = unit_of(text)
    if not key or len(key) > 30:
        return Label(None, unit, None, key)
    if synonyms:
        code = _operator_table(tuple(sorted(synonyms.items()))).get(key)
        if code in METRICS_BY_NAME:
            return Label(METRICS_BY_NAME[code], unit, "operator", key)
    quals = _DROP.sub("", _qualifier_words(text))
    m = _exact_table().get(key + quals) or (None if quals else _exact_table().get(key))
    if m is not None:
        return Label(m, unit, "exact", key)
    code = _family(key + quals, unit)
    if code is not None:
        return Label(METRICS_BY_NAME[code], unit, "family", key)
    code = _family(key + quals, value_unit) if value_unit else None
    if code is not None:  # only the figure's unit tells what it is (在贷借款 3,171笔)
        return Label(METRICS_BY_NAME[code], unit, "weak", key)
    return Label(None, unit, None, key)


@lru_cache(maxsize=8)
def _operator_table(items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {normalize(label): code for label, code in items}


def looks_like_item(text: str) -> bool:
    """A short label with the words of a disclosure item (reported when not understood)."""
    key = normalize(text)
    if "年化" in key and not any(w in key for w in ("平均", "历史", "综合")):
        return False  # a product's rate (安投月月盈 约定年化利率), not the platform's average
    return 2 <= len(key) <= 24 and bool(_LOOKS_LIKE.search(key)) and not any(w in key for w in _NOT_ITEM) \
        and not re.search(r"\d{3,}", key)
