"""Generic AML typologies for any statement: fans, layering, temporal cycles and chains.

These detectors read single transfers (not monthly sums) and assume nothing
about the accounts: no custody account, no lender or borrower roles. They are
run by ``monitor scan`` (any statement); they are not in the sweep's
``graphs.detectors.DETECTORS``.

Every detector takes a :class:`Ledger` (or a ``networkx.MultiDiGraph`` whose
edges carry ``amount`` and ``time``, converted with :func:`ledger`) and a
parameter mapping, and returns :class:`monitor.findings.FindingResult` values.
None of them modifies its input.

Two ideas are shared by all of them:

*Routine versus novel transfers.* Payroll, rent, utilities and family
allowances recur month after month between the same two accounts. A transfer
is **novel** when every transfer between its two accounts (either direction)
lies within ``novelty_days`` of each other: a pair seen only inside one short
span. The typologies look at novel transfers only; a pair that recurs across
months is routine, however many accounts it joins.

*Relative thresholds.* Amount floors are quantiles of the file's own amounts
(with the same findings when every amount is multiplied by a constant); amount
tests between hops are ratios.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

import networkx as nx

from monitor.clock import as_utc
from monitor.findings import EvidenceAccount, EvidenceEdge

DAY = 86400.0

# Parameters shared by every typology (each detector's DEFAULTS adds its own).
COMMON = {
    "novelty_days": 35.0,  # a pair whose transfers span more than this is routine (recurs across months)
}


@dataclass(frozen=True)
class Transfer:
    """One transfer: ``time`` in seconds since the epoch (UTC), ``amount`` in the file's unit."""

    src: str
    dst: str
    amount: float
    time: float
    txn_id: str | None = None


@dataclass
class Ledger:
    """Transfers of one file with the indexes the typologies share (read-only once built).

    Attributes
    ----------
    transfers : list of :class:`Transfer`, in time order.
    names, ids : account → holder name / holder ID number, when the file gives them.
    novel : per transfer (same index), whether its pair is novel (see module docstring).
    pair_transfers : per transfer, the number of transfers between its two accounts in the file.
    days_only : whether every transfer has the same time of day (a file of dates, not times).
    first_met_in, first_met_out : account → sorted times at which each payer (payee) first appears.
    out_novel, in_novel : account → indexes of its novel outgoing / incoming transfers, in time order.
    """

    transfers: list[Transfer]
    names: dict[str, str] = field(default_factory=dict)
    novelty_days: float = COMMON["novelty_days"]
    ids: dict[str, str] = field(default_factory=dict)  # account → holder ID number (USCC or 身份证), when given

    def __post_init__(self) -> None:
        self.transfers = sorted(self.transfers, key=lambda t: (t.time, t.src, t.dst))
        span: dict[tuple[str, str], list[float]] = {}
        for t in self.transfers:
            key = (t.src, t.dst) if t.src <= t.dst else (t.dst, t.src)
            s = span.get(key)
            if s is None:
                span[key] = [t.time, t.time, 1]
            else:
                s[1] = t.time  # transfers are in time order
                s[2] += 1
        limit = self.novelty_days * DAY
        self.novel = []
        self.pair_transfers = []  # per transfer: how many transfers its pair has in the file (both directions)
        self.out_novel: dict[str, list[int]] = defaultdict(list)
        self.in_novel: dict[str, list[int]] = defaultdict(list)
        for i, t in enumerate(self.transfers):
            s = span[(t.src, t.dst) if t.src <= t.dst else (t.dst, t.src)]
            new = s[1] - s[0] <= limit and t.src != t.dst
            self.novel.append(new)
            self.pair_transfers.append(s[2])
            if new:
                self.out_novel[t.src].append(i)
                self.in_novel[t.dst].append(i)
        # When each counterparty was first met, per account and direction: the usual rate of new
        # counterparties (a lender meeting new borrowers every month is not a burst).
        first: dict[tuple[str, str], float] = {}
        for t in self.transfers:
            first.setdefault((t.src, t.dst), t.time)
        self.first_met_in: dict[str, list[float]] = defaultdict(list)
        self.first_met_out: dict[str, list[float]] = defaultdict(list)
        for (src, dst), when in first.items():
            self.first_met_out[src].append(when)
            self.first_met_in[dst].append(when)
        for d in (self.first_met_in, self.first_met_out):
            for times in d.values():
                times.sort()
        self._amounts = sorted(t.amount for t in self.transfers)
        self._pairs = len(span)
        # Every transfer at the same time of day: the file gives days only (AMLSim's steps), so the
        # order of two transfers of one day is unknown and "later" can only mean "not earlier".
        self.days_only = len(self.transfers) > 1 and len({t.time % DAY for t in self.transfers}) == 1

    def __len__(self) -> int:
        return len(self.transfers)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile (0..1) of all amounts of the file (0 for an empty file)."""
        if not self._amounts:
            return 0.0
        return self._amounts[min(len(self._amounts) - 1, max(0, int(q * len(self._amounts))))]

    def amount_rank(self, amount: float) -> float:
        """Share of the file's amounts below ``amount``."""
        return bisect.bisect_left(self._amounts, amount) / max(1, len(self._amounts))

    def account(self, account: str, role: str) -> EvidenceAccount:
        return EvidenceAccount(account, self.names.get(account), self.ids.get(account), role)

    def edge(self, i: int) -> EvidenceEdge:
        t = self.transfers[i]
        when = iso(t.time)
        return EvidenceEdge(t.src, t.dst, round(t.amount, 2), 1, when, when, "transfer")

    def summary(self) -> dict[str, Any]:
        novel = sum(self.novel)
        return {"transfers": len(self.transfers), "pairs": self._pairs, "novel_transfers": novel,
                "first": iso(self.transfers[0].time) if self.transfers else None,
                "last": iso(self.transfers[-1].time) if self.transfers else None,
                "amount_p50": round(self.quantile(0.5), 2), "amount_p90": round(self.quantile(0.9), 2)}


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def day(ts: float) -> str:
    return iso(ts)[:10]


def ledger(G: nx.MultiDiGraph | Ledger | Iterable[Transfer], *, amount: str = "amount", time: str = "time",
           novelty_days: float = COMMON["novelty_days"]) -> Ledger:
    """A :class:`Ledger` from a transfer graph (edge attributes ``amount`` and ``time``) or transfers.

    ``time`` may be a :class:`datetime` (naive means UTC) or seconds since the epoch. Node
    attribute ``name`` (or ``holder_name``) gives holder names. ``G`` is not modified. A ledger
    passed in is returned as it is when its ``novelty_days`` matches.
    """
    if isinstance(G, Ledger):
        if G.novelty_days == novelty_days:
            return G
        return Ledger(list(G.transfers), dict(G.names), novelty_days, dict(G.ids))
    if isinstance(G, nx.Graph):
        names = {n: d.get("name") or d.get("holder_name") for n, d in G.nodes(data=True)
                 if d.get("name") or d.get("holder_name")}
        rows = [Transfer(u, v, float(d[amount]), _seconds(d[time]), d.get("txn_id"))
                for u, v, d in G.edges(data=True)]
        return Ledger(rows, names, novelty_days)
    return Ledger(list(G), {}, novelty_days)


def _seconds(value: Any) -> float:
    if isinstance(value, datetime):
        return as_utc(value).timestamp()
    return float(value)


def merged(defaults: Mapping[str, Any], params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults (and :data:`COMMON`) overridden by ``params``; an unknown key raises ``KeyError``."""
    out = {**COMMON, **defaults}
    for key, value in (params or {}).items():
        if key not in out:
            raise KeyError(f"unknown parameter {key!r} (known: {', '.join(sorted(out))})")
        out[key] = type(out[key])(value) if isinstance(out[key], (int, float)) else value
    return out


def keeps(prev: float, nxt: float, keep_min: float, tolerance: float) -> bool:
    """``nxt`` is between ``keep_min`` and 100 % of ``prev``, give or take ``tolerance`` (relative)."""
    if prev <= 0:
        return False
    r = nxt / prev
    return keep_min - tolerance <= r <= 1.0 + tolerance
