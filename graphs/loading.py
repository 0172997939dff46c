"""Reading the SQL store and the transfer store into graphs and detector inputs.

:func:`load_city` reads the store once (registry rows, disclosure facts,
accounts, transfers aggregated per account pair and month by
:meth:`monitor.transfers.TransferStore.aggregate_edges`); the partitions for
any ``as_of`` at or before the load date are then cut from memory by
:class:`CityData`, keeping only what was available at that ``as_of``. Replays
(``monitor evaluate``) load once and cut many times.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any, Callable, Iterable, Iterator, Mapping

import networkx as nx

from graphs.detectors import Inputs, RunningMonth
from graphs.flows import FlowEdge, accounts_from_edges, flow_edges
from graphs.platform import build_platform_flows, related_index
from graphs.registry import RegistrySnapshot, component
from monitor.clock import as_utc


def _rows(session, model, as_of) -> list[dict]:
    from sqlmodel import select

    stmt = select(model)
    if as_of is not None and hasattr(model, "available_at"):
        stmt = stmt.where(model.available_at <= as_of)
    return [r.model_dump() for r in session.exec(stmt)]


def load_registry(config, as_of: datetime | None = None) -> RegistrySnapshot:
    """Read Company, Person, Relation and Institution rows available at ``as_of``."""
    from monitor.db import session_scope
    from monitor.models import Company, Institution, Person, Relation

    with session_scope(config) as session:
        return RegistrySnapshot(_rows(session, Company, as_of), _rows(session, Person, as_of),
                                _rows(session, Relation, as_of), _rows(session, Institution, None))


def load_facts(config, as_of: datetime | None) -> dict[int, list[dict]]:
    """Institution id → its disclosure facts available at ``as_of``, with their documents; suspect values left out."""
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import DisclosureFact, Document

    out: dict[int, list[dict]] = defaultdict(list)
    with session_scope(config) as session:
        stmt = select(DisclosureFact, Document.url, Document.sha256, Document.fetched_at).join(
            Document, DisclosureFact.document_id == Document.id, isouter=True).where(
            DisclosureFact.suspect.is_(None))  # suspect values are shown to the operator, never used as fact
        if as_of is not None:
            stmt = stmt.where(DisclosureFact.available_at <= as_of)
        for fact, url, sha, fetched in session.exec(stmt):
            out[fact.institution_id].append({
                "period": fact.period, "metric": fact.metric, "value": fact.value, "unit": fact.unit,
                "raw_label": fact.raw_label, "raw_value": fact.raw_value, "document_id": fact.document_id,
                "available_at": fact.available_at, "url": url, "sha256": sha,
                "fetched_at": fetched.isoformat() if fetched else None})
    return out


def load_accounts(config) -> tuple[dict[str, dict], dict[int, set[str]]]:
    """Accounts the ``Account`` table links to an institution (holders of the rest come with the edges)."""
    from sqlalchemy import text

    from monitor.db import get_engine

    info: dict[str, dict] = {}
    owned: dict[int, set[str]] = defaultdict(set)
    with get_engine(config).connect() as conn:
        rows = conn.execute(text("SELECT account_no, holder_name, holder_id_no, holder_kind, institution_id "
                                 "FROM account WHERE institution_id IS NOT NULL"))
        for account_no, name, ident, kind, inst in rows:
            info[account_no] = {"holder_name": name, "holder_id": ident, "holder_kind": kind}
            owned[inst].add(account_no)
    return info, owned


def peer_context(facts_by_inst: Mapping[Any, list[dict]]) -> dict[str, Any]:
    """City-wide context for the detectors: median of the latest disclosed yields."""
    latest = []
    for facts in facts_by_inst.values():
        ys = [f for f in facts if f["metric"] == "avg_yield"]
        if ys:
            latest.append(max(ys, key=lambda f: str(f["period"]))["value"])
    return {"median_yield": median(latest) if latest else None}


def _visible(edge: FlowEdge, as_of_day: str, current: str) -> bool:
    # Only complete months, and only transfers the bank had reported (T+1: the day after) by as_of.
    return edge.period < current and edge.last[:10] < as_of_day


@dataclass
class CityData:
    """What the detectors need from the store, loaded once (see module docstring)."""

    registry: RegistrySnapshot
    institutions: list[dict]  # {"id", "uscc", "name"}
    facts: dict[str, list[dict]] = field(default_factory=dict)  # uscc → facts
    accounts: dict[str, dict] = field(default_factory=dict)
    owned: dict[str, set[str]] = field(default_factory=dict)  # uscc → account numbers
    edges: dict[str, list[FlowEdge]] = field(default_factory=dict)  # uscc → aggregated monthly edges
    # Lazy mode (one as_of, big cities): edges and holders read per institution, then dropped.
    loader: Callable[[str], tuple[list[FlowEdge], dict[str, dict]]] | None = None
    # The running month at a cut's as_of, read from the store per cut (the edges above are whole
    # months, aggregated once: they cannot be cut within a month).
    running_reader: Callable[[datetime], dict[str, RunningMonth]] | None = None

    def partitions(self, as_of: datetime, k: int = 3) -> Iterator[Inputs]:
        """One :class:`Inputs` per institution with only what was available at ``as_of``."""
        cut = self.cut(as_of, k)
        for inst in self.institutions:
            yield self.partition(inst, cut)

    def cut(self, as_of: datetime, k: int = 3) -> "Cut":
        """What every partition at ``as_of`` shares: the registry graph, facts, peer figures."""
        from monitor.transfers import to_cst

        as_of = as_utc(as_of)
        G = self.registry.graph(as_of)
        facts = {u: [f for f in fs if as_utc(f["available_at"]) <= as_of] for u, fs in self.facts.items()}
        as_of_cst = to_cst(as_of)
        # available_at = transaction day + 1 day 00:00 CST <= as_of  <=>  transaction day < as_of's CST day
        running = self.running_reader(as_of) if self.running_reader is not None else {}
        return Cut(G, facts, peer_context(facts), f"{as_of_cst.year:04d}-{as_of_cst.month:02d}",
                   as_of_cst.date().isoformat(), k, running)

    def partition(self, inst: dict, cut: "Cut") -> Inputs:
        """The :class:`Inputs` of one institution (an element of :attr:`institutions`) at a cut."""
        uscc = inst["uscc"]
        accounts = self.accounts
        if self.loader is not None and uscc not in self.edges:
            loaded, holders = self.loader(uscc)
            accounts = {**holders, **self.accounts}
        else:
            loaded = self.edges.get(uscc, ())
        edges = [e for e in loaded if _visible(e, cut.as_of_day, cut.current)]
        registry = component(cut.graph, uscc)
        flows = None
        if edges:
            flows = build_platform_flows(edges, accounts, uscc=uscc, name=inst.get("name"),
                                         platform_accounts=self.owned.get(uscc, ()),
                                         related=related_index(registry, uscc, k=cut.k))
        return Inputs(uscc, inst.get("name"), flows, registry, cut.facts.get(uscc, []), cut.peers, cut.graph,
                      cut.running.get(uscc))


@dataclass
class Cut:
    """City-wide inputs at one ``as_of`` (see :meth:`CityData.cut`)."""

    graph: nx.MultiDiGraph
    facts: dict[str, list[dict]]
    peers: dict[str, Any]
    current: str  # the running month (YYYY-MM, CST): left out
    as_of_day: str  # transfers of days before this one (CST) were reported by as_of
    k: int = 3
    running: dict[str, RunningMonth] = field(default_factory=dict)  # uscc → the running month so far


def load_city(config, as_of: datetime | None = None, institutions: Iterable[str] | None = None,
              lazy: bool = False) -> CityData:
    """Read what the detectors need from the store, as available at ``as_of`` (default: everything).

    ``lazy``: read each institution's aggregated edges only when its partition is cut (memory
    bounded by the largest institution; for a single ``as_of``, as in a sweep).
    """
    from monitor.transfers import TransferStore

    as_of = as_utc(as_of)
    snapshot = load_registry(config, as_of)
    store = TransferStore(config)
    wanted = set(institutions) if institutions else None
    insts = {i["uscc"]: {"id": i["id"], "uscc": i["uscc"], "name": i["name"]} for i in snapshot.institutions}
    for uscc in store.institutions():  # transfers of an institution the crawl has not seen yet
        insts.setdefault(uscc, {"id": None, "uscc": uscc, "name": None})
    chosen = [insts[u] for u in sorted(insts) if wanted is None or u in wanted]
    facts_by_id = load_facts(config, as_of)
    accounts, owned_by_id = load_accounts(config)

    def loader(uscc: str) -> tuple[list[FlowEdge], dict[str, dict]]:
        table = store.aggregate_edges(institution_ids=[uscc], as_of=as_of)
        return list(flow_edges(table)), accounts_from_edges(table)

    def running(cut_at: datetime) -> dict[str, RunningMonth]:
        return running_month(store, cut_at, [i["uscc"] for i in chosen] if wanted is not None else None)

    data = CityData(snapshot, chosen, accounts=accounts, loader=loader if lazy else None, running_reader=running)
    for inst in chosen:
        data.facts[inst["uscc"]] = facts_by_id.get(inst["id"], [])
        data.owned[inst["uscc"]] = owned_by_id.get(inst["id"], set())
        if not lazy:
            edges, holders = loader(inst["uscc"])
            data.edges[inst["uscc"]] = edges
            for acc, info in holders.items():
                accounts.setdefault(acc, info)
    return data


def running_month(store, as_of: datetime, institutions: Iterable[str] | None = None) -> dict[str, RunningMonth]:
    """Per institution, the month running at ``as_of`` as far as reported by then (one query).

    Empty on a month's first day: the bank reports a day's transfers the next day.
    """
    from datetime import date

    from monitor.transfers import to_cst

    today = to_cst(as_utc(as_of)).date()
    start = date(today.year, today.month, 1)
    if today == start:
        return {}
    table = store.aggregate_edges(institutions, start=start, as_of=as_of, per_institution=True)
    period, through = f"{start:%Y-%m}", (today - timedelta(days=1)).isoformat()
    out: dict[str, RunningMonth] = {}
    insts = table.column("institution").to_pylist()
    table = table.drop_columns(["institution"])
    begin = 0
    for i in range(1, len(insts) + 1):  # rows come grouped by institution
        if i == len(insts) or insts[i] != insts[begin]:
            part = table.slice(begin, i - begin)
            out[insts[begin]] = RunningMonth(period, through, list(flow_edges(part)))
            begin = i
    return out
