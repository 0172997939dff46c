"""An institution's operating status read from its evidence: closure notices, news, complaints, court
records and registry changes (正常 / 兑付困难 / 停业清盘 / 立案). Pure: the portal and the briefings
pass the events they read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

OPERATING, TROUBLED, CLOSED, FILED = "operating", "troubled", "closed", "filed"
# Most serious first: the status is the first one with evidence.
ORDER = (FILED, CLOSED, TROUBLED, OPERATING)
NAMES = {OPERATING: ("正常", "operating"), TROUBLED: ("兑付困难", "payment difficulties"),
         CLOSED: ("停业清盘", "closed or winding up"), FILED: ("立案", "criminal case filed")}

# Words of a police case (立案侦查, 经侦, 刑事强制措施) in news and closure notices. Court records are
# civil (被执行人 records name their own 立案时间): they never make a criminal case.
FILED_WORDS = ("立案侦查", "立案调查", "经侦", "刑事强制措施", "非法吸收公众存款", "集资诈骗", "公安机关")
FILED_KINDS = {"news", "closure"}
CLOSED_WORDS = ("清盘", "停业", "停止运营", "良性退出", "退出", "平台关闭", "失联", "跑路", "注销", "吊销", "清算")
CLOSED_KINDS = {"news", "registry_change"}
TROUBLED_WORDS = ("兑付困难", "延期兑付", "兑付延期", "无法提现", "提现困难", "提现失败", "无法回款", "逾期", "暴雷",
                   "爆雷")
# One complaint can be one unhappy lender; a second one, or a news report, is a pattern.
TROUBLED_COMPLAINTS = 2


@dataclass(frozen=True)
class Status:
    """The status and the events that establish it (newest first; none for ``operating``)."""

    code: str
    evidence: tuple = field(default_factory=tuple)

    def name(self, zh: bool = True) -> str:
        return NAMES[self.code][0 if zh else 1]


def _get(event, name):
    return event.get(name) if isinstance(event, dict) else getattr(event, name, None)


def _text(event) -> str:
    # The title: a source's keyword list names words of the body, where a 被执行人 record's 立案时间
    # or a complaint quoting rumours would read as the platform's own state.
    return _get(event, "title") or ""


_PATTERNS = {words: re.compile("|".join(map(re.escape, words))) for words in (FILED_WORDS, CLOSED_WORDS,
                                                                               TROUBLED_WORDS)}


def _has(event, words) -> bool:
    return _PATTERNS[words].search(_text(event)) is not None


def operating_status(events) -> Status:
    """The status an institution's events establish, read from their titles (``events``: objects or dicts
    with ``kind``, ``title``, ``occurred_on``).

    >>> operating_status([{"kind": "closure", "title": "关于平台停止运营及清盘处置的公告"}]).code
    'closed'
    >>> operating_status([{"kind": "complaint", "title": "无法提现"}]).code
    'operating'
    """
    if not events:
        return Status(OPERATING)
    events = sorted(events, key=lambda e: (str(_get(e, "occurred_on") or ""), _get(e, "id") or 0), reverse=True)
    found: dict[str, list] = {FILED: [], CLOSED: [], TROUBLED: []}
    complaints = []
    for e in events:
        kind = _get(e, "kind")
        if kind in FILED_KINDS and _has(e, FILED_WORDS):
            found[FILED].append(e)
        if kind == "closure" or (kind in CLOSED_KINDS and _has(e, CLOSED_WORDS)):
            found[CLOSED].append(e)
        if kind == "news" and _has(e, TROUBLED_WORDS):
            found[TROUBLED].append(e)
        elif kind == "complaint" and _has(e, TROUBLED_WORDS):
            complaints.append(e)
    if len(complaints) >= TROUBLED_COMPLAINTS:
        found[TROUBLED].extend(complaints)
    for code in ORDER[:-1]:
        if found[code]:
            return Status(code, tuple(found[code][:5]))
    return Status(OPERATING)
