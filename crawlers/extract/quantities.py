"""Numbers with units as Chinese pages print them → canonical values (元, count, fraction)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from monitor.text import nfkc

NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
UNIT = r"亿元|万元|千元|元|亿|万笔|万人|万户|万|‰|%|笔|人|户|个|次|家"
_QUANTITY = re.compile(rf"(?P<num>{NUMBER})\s*(?P<unit>{UNIT})?")
_FULL = re.compile(rf"^\s*(?:人民币|RMB|¥|约)?\s*(?P<num>{NUMBER})\s*(?P<unit>{UNIT})?\s*(?:人民币)?\s*$", re.I)
_YUAN = {"元": 1, "千元": 1000, "万元": 10_000, "万": 10_000, "亿元": 100_000_000, "亿": 100_000_000}
_COUNT = {"笔": 1, "人": 1, "户": 1, "个": 1, "次": 1, "家": 1, "万笔": 10_000, "万人": 10_000,
          "万户": 10_000, "万": 10_000}


@dataclass(frozen=True)
class Quantity:
    number: Decimal  # as printed, without unit scaling
    unit: str | None  # printed unit token, e.g. 万元, %, 笔; None if absent


def parse_quantity(text: str) -> Quantity | None:
    """Parse a cell or value string that is one number with an optional unit.

    >>> parse_quantity("1,234.56万元")
    Quantity(number=Decimal('1234.56'), unit='万元')
    >>> parse_quantity("５．２３％").unit
    '%'
    >>> parse_quantity("暂无") is None
    True
    """
    m = _FULL.match(nfkc(text).replace("，", ","))
    if not m:
        return None
    return _make(m.group("num"), m.group("unit"))


def find_quantity(text: str) -> tuple[Quantity, int, int] | None:
    """The first number-with-unit in ``text`` (NFKC) and its span."""
    m = _QUANTITY.search(text)
    if not m:
        return None
    q = _make(m.group("num"), m.group("unit"))
    return (q, m.start(), m.end()) if q else None


def _make(num: str, unit: str | None) -> Quantity | None:
    try:
        return Quantity(Decimal(num.replace(",", "")), unit or None)
    except InvalidOperation:
        return None


def to_canonical(q: Quantity, kind: str, unit_hint: str | None = None) -> float | None:
    """Scale ``q`` to the canonical unit of a metric kind (``yuan``, ``count``, ``ratio``).

    ``unit_hint`` is a unit printed elsewhere (label "借贷余额（万元）", table
    header "单位：万元") used when the value itself has none. Returns None when
    the printed unit contradicts the kind (e.g. % for an amount).

    >>> to_canonical(parse_quantity("3.20亿元"), "yuan")
    320000000.0
    >>> to_canonical(parse_quantity("5.23%"), "ratio")
    0.0523
    >>> to_canonical(parse_quantity("1,234.56"), "yuan", "万元")
    12345600.0
    """
    unit = q.unit or unit_hint
    n = q.number
    if kind == "yuan":
        if unit is None:
            return float(n)
        factor = _YUAN.get(unit)
        return float(n * factor) if factor else None
    if kind == "count":
        if unit is None or unit in _COUNT:
            value = n * _COUNT.get(unit, 1) if unit else n
            return float(value)
        return None
    if kind == "ratio":
        if unit == "%":
            return float(n / 100)
        if unit == "‰":
            return float(n / 1000)
        if unit is None:
            # A bare ratio is a fraction when ≤ 1, else a percentage without its sign.
            return float(n) if abs(n) <= 1 else float(n / 100)
        return None
    raise ValueError(f"unknown metric kind {kind!r}")


def parse_amount(text: str) -> float | None:
    """An amount in 元 from text like "标的金额：120.5万元" (first number with a money unit or none)."""
    t = nfkc(text)
    for m in _QUANTITY.finditer(t):
        unit = m.group("unit")
        if unit is None or unit in _YUAN:
            q = _make(m.group("num"), unit)
            if q is not None:
                return to_canonical(q, "yuan")
    return None
