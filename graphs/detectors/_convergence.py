"""Shared by scatter_gather and self_financing: loan money converging on one account.

For every borrower (an account that received money from custody first), the
onward transfers out of its account are compared with what it received; an
account that receives most of the loans of several borrowers is a
*collector*. O(E) over the platform's edges in the window.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from graphs.flows import FlowEdge
from graphs.platform import PlatformFlows


@dataclass
class Collector:
    account: str
    borrowers: list[str]
    gathered: float  # 元 forwarded by those borrowers to the collector
    loans: float  # 元 those borrowers received from custody
    loan_edges: list[FlowEdge] = field(default_factory=list)
    gather_edges: list[FlowEdge] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.gathered / self.loans if self.loans else 0.0


def collectors(flows: PlatformFlows, periods: set[str], min_forward_share: float = 0.5,
               min_borrowers: int = 3) -> list[Collector]:
    """Accounts that received ≥ ``min_forward_share`` of the loans of ≥ ``min_borrowers`` borrowers.

    Only flows in ``periods`` count. Sorted by amount gathered, largest first.
    """
    loans: dict[str, float] = defaultdict(float)
    loan_edges: dict[str, list[FlowEdge]] = defaultdict(list)
    onward: dict[str, dict[str, list[FlowEdge]]] = defaultdict(lambda: defaultdict(list))
    for e in flows.borrower_edges:
        if e.period not in periods:
            continue
        if e.src == flows.custody and e.dst in flows.borrowers:
            loans[e.dst] += e.amount
            loan_edges[e.dst].append(e)
        elif e.src in flows.borrowers and e.dst != flows.custody and e.dst != e.src:
            onward[e.src][e.dst].append(e)
    by_collector: dict[str, list[str]] = defaultdict(list)
    for borrower, targets in onward.items():
        loan = loans.get(borrower, 0.0)
        if loan <= 0:
            continue
        for target, edges in targets.items():
            if sum(e.amount for e in edges) >= min_forward_share * loan:
                by_collector[target].append(borrower)
    out = []
    for target, borrowers in by_collector.items():
        if len(borrowers) < min_borrowers:
            continue
        borrowers.sort()
        out.append(Collector(target, borrowers,
                             sum(e.amount for b in borrowers for e in onward[b][target]),
                             sum(loans[b] for b in borrowers),
                             [e for b in borrowers for e in loan_edges[b]],
                             [e for b in borrowers for e in onward[b][target]]))
    out.sort(key=lambda c: (-c.gathered, c.account))
    return out
