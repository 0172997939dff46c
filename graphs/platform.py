"""One platform's fund flows read at role level: the input of the flow detectors.

Roles come from the custody operation labels (出借/放款/还款/兑付) an account's
transfers carry, weighted by amount, and from structure where labels are
missing or mixed (who paid whom first). Fraud signals themselves never rest
on labels: they come from timing, convergence and related-party ties.

* **platform accounts** — accounts held by the platform itself: its custody,
  general and operating accounts (holder ID = its USCC, holder name = its
  registered name, or linked to it in the ``Account`` table). They are never
  lenders or borrowers, whatever their flows look like; the **custody** account is
  the platform account with the most counterparties (or the busiest account
  when no holder is known, as in an ad-hoc scan);
* **lenders** — counterparties investing (出借) or paid out (兑付), or, without
  labels, whose first transfer with custody is a payment *into* custody;
* **borrowers** — counterparties receiving loans (放款) or repaying (还款), or,
  without labels, paid by custody first; never tied to the platform;
* **tied** — recipients that are the platform itself, a related party within
  k hops in the registry (shareholder, controller, executive, their firms),
  offshore-like holders, or *insiders*: persons paid from the platform's own
  non-custody accounts who are neither lenders nor borrowers (payroll-like:
  controller, executives, staff).

Complexity: building a view is O(E log E) in the platform's aggregated edges.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from operator import attrgetter
from typing import Any, Collection, Iterable, Mapping

from graphs.flows import FlowEdge, flow_edges
from monitor.text import normalize_label, normalize_name
from monitor.vocab import PURPOSES

# Words in a holder's name that mark an offshore-like firm (jurisdictions that
# bureaus treat as capital-flight destinations).
OFFSHORE_MARKERS = ("香港", "澳门", "开曼", "维尔京", "萨摩亚", "塞舌尔", "离岸", "海外",
                    "bvi", "cayman", "limited", "ltd", "hong kong", "offshore")


_PURPOSE_CODES = {normalize_label(v): k for k, v in PURPOSES.items()} | {k: k for k in PURPOSES}
_PURPOSE_CODES.update({"投资": "invest", "充值": "invest", "借款发放": "disburse", "回款": "payout",
                       "本息兑付": "payout", "lend": "invest", "loan": "disburse", "repayment": "repay"})


@lru_cache(maxsize=4096)
def purpose_code(label: str | None) -> str | None:
    """Canonical custody operation (invest/disburse/repay/payout/withdraw/transfer) of a purpose label."""
    return _PURPOSE_CODES.get(normalize_label(label)) if label else None


def id_compatible(a: str | None, b: str | None) -> bool:
    """Two (possibly masked, ``110101********1234``) ID numbers can be the same person."""
    if not a or not b or len(a) != len(b):
        return False
    return all(x == y or x == "*" or y == "*" for x, y in zip(a.upper(), b.upper()))


def _norm_id(ident: str | None) -> str:
    return (ident or "").strip().upper()


def is_own_account(info: Mapping[str, Any] | None, uscc: str | None, name: str | None) -> bool:
    """The holder is the institution itself: same USCC (holder ID) or same registered name.

    Examples
    --------
    >>> is_own_account({"holder_name": "某某网络科技有限公司"}, "91110000MA00000000", "某某网络科技 有限责任公司")
    True
    >>> is_own_account({"holder_id": "91110000ma00000000"}, "91110000MA00000000", None)
    True
    >>> is_own_account({"holder_name": "某某网络科技（香港）有限公司"}, None, "某某网络科技有限公司")
    False
    """
    if not info:
        return False
    if uscc and _norm_id(info.get("holder_id")) == _norm_id(uscc):
        return True
    holder = info.get("holder_name")
    return bool(name and holder and normalize_name(holder) == normalize_name(name))


def _is_person(info: Mapping[str, Any] | None) -> bool:
    if not info:
        return False
    if info.get("holder_kind"):
        return info["holder_kind"] == "person"
    ident = info.get("holder_id") or ""
    return len(ident) == 18 and ident[:17].replace("*", "0").isdigit()


@lru_cache(maxsize=65536)
def is_offshore_like(name: str | None) -> bool:
    text = (name or "").lower()
    return any(marker in text for marker in OFFSHORE_MARKERS)


@dataclass
class RelatedIndex:
    """Related parties of one platform, matchable against account holders.

    ``by_id`` and ``by_name`` map an ID number / normalised name to
    ``(kind, path)`` where kind is person/company and path lists readable
    labels from the platform to the party.
    """

    by_id: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    by_name: dict[str, list[tuple[str, str | None, list[str]]]] = field(default_factory=dict)

    def match(self, holder_name: str | None, holder_id: str | None) -> tuple[str, list[str]] | None:
        if holder_id and holder_id in self.by_id:
            return self.by_id[holder_id]
        for kind, id_key, path in self.by_name.get(normalize_name(holder_name or ""), ()):
            # Same name: accept when IDs agree or one side has none (firm names are unique
            # in a city; for persons a known ID must be compatible).
            if not id_key or not holder_id or id_compatible(id_key, holder_id) or kind == "company":
                return kind, path
        return None


def related_index(G, uscc: str, k: int = 3) -> RelatedIndex:
    """Index the parties within ``k`` control hops of institution ``uscc`` in a related-party graph."""
    from graphs.registry import institution_key, label, related_parties

    idx = RelatedIndex()
    if G is None:
        return idx
    for node, path in related_parties(G, institution_key(uscc), k=k).items():
        if len(path) == 1:
            continue
        data = G.nodes[node]
        kind = "person" if data.get("kind") == "person" else "company"
        labels = [label(G, n) for n in path]
        ident = data.get("uscc") if kind == "company" else data.get("id_key")
        if ident and kind == "company":
            idx.by_id[ident] = (kind, labels)
        if data.get("name_norm"):
            idx.by_name.setdefault(data["name_norm"], []).append((kind, ident, labels))
    for candidates in idx.by_name.values():
        # Namesakes: the nearest first, then by label, whatever order the graph was built in, so an
        # engine that ships the graph to its workers names the same party.
        candidates.sort(key=lambda c: (len(c[2]), c[2]))
    return idx


@dataclass
class Month:
    lender_in: float = 0.0  # lenders → any platform account
    repay_in: float = 0.0  # borrowers → custody
    platform_in: float = 0.0  # the platform's other accounts → custody (e.g. compensation)
    other_in: float = 0.0
    disburse_out: float = 0.0  # custody → borrowers
    payout_out: float = 0.0  # platform accounts → lenders
    tied_out: float = 0.0  # custody → platform-tied accounts (own, related, offshore)
    other_out: float = 0.0
    new_lenders: int = 0
    new_borrowers: int = 0


@dataclass
class PlatformFlows:
    """A platform's aggregated flows with inferred roles (see module docstring)."""

    uscc: str | None
    name: str | None
    edges: list[FlowEdge]
    accounts: Mapping[str, Mapping[str, Any]]
    custody: str | None
    platform_accounts: set[str]
    lenders: set[str]
    borrowers: set[str]
    tied: dict[str, tuple[str, list[str]]]  # account → (why, related path)
    months: dict[str, Month]

    def holder(self, account: str) -> Mapping[str, Any]:
        return self.accounts.get(account) or {}

    def periods(self) -> list[str]:
        return sorted(self.months)

    def out_of(self, account: str) -> list[FlowEdge]:
        return [e for e in self.edges if e.src == account]

    # Subsets of ``edges`` the detectors scan, each in the order of ``edges`` (so sums over them
    # add the same floats in the same order as a scan of all edges would). Computed once per view
    # instead of once per detector; a view is not modified after it is built.
    @cached_property
    def platform_out(self) -> list[FlowEdge]:
        """Edges paid by a platform account (custody included)."""
        own = self.platform_accounts
        return [e for e in self.edges if e.src in own]

    @cached_property
    def platform_in(self) -> list[FlowEdge]:
        """Edges paid to a platform account (custody included)."""
        own = self.platform_accounts
        return [e for e in self.edges if e.dst in own]

    @cached_property
    def custody_edges(self) -> list[FlowEdge]:
        """Edges paid by or to the custody account."""
        c = self.custody
        return [e for e in self.edges if e.src == c or e.dst == c]

    @cached_property
    def borrower_edges(self) -> list[FlowEdge]:
        """Loans (custody → borrower), repayments (borrower → custody) and borrowers' onward payments."""
        c, b = self.custody, self.borrowers
        return [e for e in self.edges if (e.src == c and e.dst in b) or e.src in b]

    @cached_property
    def _period_index(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(self.edges):
            out[e.period].append(i)
        return dict(out)

    def in_period(self, period: str) -> list[FlowEdge]:
        """Edges of one period, in the order of ``edges``."""
        edges = self.edges
        return [edges[i] for i in self._period_index.get(period, ())]

    def in_periods(self, periods) -> list[FlowEdge]:
        """Edges of the given periods, in the order of ``edges``."""
        index = self._period_index
        chosen = sorted(i for q in set(periods) for i in index.get(q, ()))
        edges = self.edges
        return [edges[i] for i in chosen]


def _edge_list(edges: Any) -> list[FlowEdge]:
    """A new list of :class:`FlowEdge` (a list of them is copied without re-normalising each edge)."""
    if isinstance(edges, list) and set(map(type, edges)) <= {FlowEdge}:
        return list(edges)
    return list(flow_edges(edges))


def likely_custody(partners: Mapping[str, Collection[str]], candidates: Iterable[str]) -> str | None:
    """The candidate account with the most distinct counterparties (ties: the greatest account number),
    or ``None`` when no candidate has any.

    A platform's custody account is the one its lenders pay every month, so
    among the platform's own accounts it has by far the most counterparties.
    ``partners`` maps an account to its counterparties (both directions).

    Examples
    --------
    >>> likely_custody({"C": {"L1", "L2", "B"}, "G": {"C"}, "L1": {"C"}}, ["C", "G"])
    'C'
    """
    pool = [a for a in candidates if partners.get(a)]
    return max((len(partners[a]), a) for a in pool)[1] if pool else None


def build_platform_flows(edges: Iterable[Any], accounts: Mapping[str, Mapping[str, Any]] | None = None, *,
                         uscc: str | None = None, name: str | None = None,
                         platform_accounts: Iterable[str] = (), related: RelatedIndex | None = None,
                         custody: str | None = None) -> PlatformFlows:
    """Infer roles and monthly role totals from a platform's aggregated edges.

    Parameters
    ----------
    edges : iterable or pyarrow.Table
        Aggregated edges of the platform's transfer partition (see
        :func:`graphs.flows.flow_edges`).
    accounts : mapping, optional
        account_no → ``holder_name``/``holder_id``/``holder_kind``.
    uscc, name : str, optional
        The platform; accounts whose holder ID equals ``uscc`` or whose holder
        name is ``name`` are its own (:func:`is_own_account`).
    platform_accounts : iterable of str
        Accounts known to belong to the platform (e.g. the ``Account`` table).
    related : RelatedIndex, optional
        Related parties from the registry.
    custody : str, optional
        The custody account if known.

    Examples
    --------
    >>> pf = build_platform_flows([
    ...     {"src": "L1", "dst": "C", "period": "2018-01", "amount": 100.0, "count": 1, "first": "2018-01-02"},
    ...     {"src": "C", "dst": "B1", "period": "2018-01", "amount": 90.0, "count": 1, "first": "2018-01-03"},
    ...     {"src": "C", "dst": "L1", "period": "2018-02", "amount": 5.0, "count": 1, "first": "2018-02-03"}],
    ...     custody="C")
    >>> sorted(pf.lenders), sorted(pf.borrowers), pf.months["2018-02"].payout_out
    (['L1'], ['B1'], 5.0)
    """
    accounts = dict(accounts or {})
    edges = _edge_list(edges)
    related = related or RelatedIndex()
    own = set(platform_accounts)
    partners: dict[str, set[str]] = defaultdict(set)
    for src, dst in set(map(attrgetter("src", "dst"), edges)):  # distinct pairs: lenders pay custody every month
        partners[src].add(dst)
        partners[dst].add(src)
    if uscc or name:
        own |= {a for a in partners if is_own_account(accounts.get(a), uscc, name)}
    if custody is None:
        custody = likely_custody(partners, [a for a in own if a in partners] or list(partners))
    own.discard(None)
    if custody:
        own.add(custody)

    first_in: dict[str, str] = {}
    first_out: dict[str, str] = {}
    votes: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # account → [lender, borrower] amounts
    codes_of: dict[tuple[str, ...], set] = {}
    for e in edges:
        src_own, dst_own = e.src in own, e.dst in own
        if src_own == dst_own:
            continue
        other = e.dst if src_own else e.src
        kinds = codes_of.get(e.purposes)
        if kinds is None:
            kinds = codes_of[e.purposes] = {purpose_code(x) for x in e.purposes} - {None}
        if len(kinds) == 1:
            (k,) = kinds
            if (k == "invest" and dst_own) or (k == "payout" and src_own):
                votes[other][0] += e.amount
            elif (k == "repay" and dst_own) or (k == "disburse" and src_own):
                votes[other][1] += e.amount
        if e.dst == custody:
            if other not in first_in or e.first < first_in[other]:
                first_in[other] = e.first
        elif e.src == custody:
            if other not in first_out or e.first < first_out[other]:
                first_out[other] = e.first

    tied: dict[str, tuple[str, list[str]]] = {}
    indexed = bool(related.by_id or related.by_name)
    for account in set(partners) | own:
        if account in own:
            tied[account] = ("platform", [])
            continue
        info = accounts.get(account) or {}
        hit = related.match(info.get("holder_name"), info.get("holder_id")) if indexed else None
        if hit:
            tied[account] = (f"related_{hit[0]}", hit[1])
        elif is_offshore_like(info.get("holder_name")):
            tied[account] = ("offshore", [])
    lenders, borrowers = set(), set()
    for account in set(first_in) | set(first_out) | set(votes):
        if account in own:
            continue
        lend, borrow = votes.get(account, (0.0, 0.0))
        if lend or borrow:
            is_lender = lend >= borrow
        else:  # no usable label: whoever paid custody first is a lender, whoever was paid first a borrower
            fin, fout = first_in.get(account), first_out.get(account)
            is_lender = fin is not None and (fout is None or fin <= fout)
        if is_lender:
            lenders.add(account)
        elif account not in tied and (account in first_out or borrow):
            borrowers.add(account)

    # Persons on the platform's own payroll-like outflows (paid from its non-custody accounts, neither
    # lender nor borrower): insiders — controller, executives, staff — whatever the registry shows.
    for e in edges:
        if e.src in own and e.src != custody and e.dst not in own and e.dst not in tied \
                and e.dst not in lenders and e.dst not in borrowers and _is_person(accounts.get(e.dst)):
            tied[e.dst] = ("insider", [])

    months: dict[str, Month] = defaultdict(Month)
    seen_lender_month: dict[str, str] = {}
    seen_borrower_month: dict[str, str] = {}
    for e in edges:
        src, dst, period = e.src, e.dst, e.period
        m = months[period]
        src_own = src in own
        if src in lenders and dst in own:
            m.lender_in += e.amount
            if src not in seen_lender_month or period < seen_lender_month[src]:
                seen_lender_month[src] = period
        elif dst == custody and src != custody:
            if src in borrowers:
                m.repay_in += e.amount
            elif src_own:
                m.platform_in += e.amount
            else:
                m.other_in += e.amount
        elif src_own and dst not in own:
            if dst in lenders:
                m.payout_out += e.amount
            elif src != custody:
                continue  # the platform's own spending from its general account
            elif dst in borrowers:
                m.disburse_out += e.amount
                if dst not in seen_borrower_month or period < seen_borrower_month[dst]:
                    seen_borrower_month[dst] = period
            elif dst in tied:
                m.tied_out += e.amount
            else:
                m.other_out += e.amount
        elif src == custody and dst in own and dst != custody:
            m.tied_out += e.amount
    for period in seen_lender_month.values():
        months[period].new_lenders += 1
    for period in seen_borrower_month.values():
        months[period].new_borrowers += 1
    return PlatformFlows(uscc, name, edges, accounts, custody, own, lenders, borrowers, tied, dict(months))
