"""Shared by borrower_cap and borrower_concentration: what each borrower owes, from flows.

Outstanding of a borrower = loans received from custody − repayments paid
to custody (clamped at 0), over all complete months up to a period.
Repayments include interest, so this slightly understates principal.
O(E).
"""

from __future__ import annotations

from collections import defaultdict

from graphs.platform import PlatformFlows


def outstanding(flows: PlatformFlows, upto: str) -> dict[str, float]:
    owed: dict[str, float] = defaultdict(float)
    for e in flows.borrower_edges:
        if e.period > upto:
            continue
        if e.src == flows.custody and e.dst in flows.borrowers:
            owed[e.dst] += e.amount
        elif e.dst == flows.custody and e.src in flows.borrowers:
            owed[e.src] -= e.amount
    return {b: v for b, v in owed.items() if v > 0}


def holder_kind(info) -> str:
    """person or company, from the stated kind or the shape of the holder ID."""
    kind = (info or {}).get("holder_kind")
    if kind in ("person", "company"):
        return kind
    ident = (info or {}).get("holder_id") or ""
    from stdnum.cn import uscc

    return "company" if ident and uscc.is_valid(ident) else "person"


def top_share(owed: dict[str, float], n: int = 10) -> float:
    total = sum(owed.values())
    return sum(sorted(owed.values(), reverse=True)[:n]) / total if total else 0.0
