"""Run every detector for the institutions of the store at one ``as_of``.

Work is split in partitions — one per institution, carrying the related-party
graph of its component — built by :meth:`CityData.partitions` and analysed
by :func:`detect_partition` (pure), so an engine (:mod:`graphs.engines`: a
local process pool, or Spark) maps the pure part without changing the detectors.

:func:`load_city` reads the store once (registry rows, disclosure facts,
accounts, transfers aggregated per account pair and month by
:meth:`monitor.transfers.TransferStore.aggregate_edges`); the partitions for
any ``as_of`` at or before the load date are then cut from memory, keeping
only what was available at that ``as_of``. Replays (``monitor evaluate``)
load once and cut many times.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from statistics import median
from typing import Any, Callable, Iterable, Iterator, Mapping

import networkx as nx

from graphs.build import (FlowEdge, RegistrySnapshot, accounts_from_edges, as_utc, flow_edges, institution_key,
                          load_registry)
from graphs.detectors import DETECTORS, Inputs, RunningMonth, module
from graphs.platform import build_platform_flows, related_index
from monitor.findings import FindingResult

log = logging.getLogger(__name__)


def detect_partition(inputs: Inputs, params: Mapping[str, Mapping[str, Any]] | None = None,
                     as_of: datetime | None = None, detectors: Iterable[str] = DETECTORS) -> list[FindingResult]:
    """All ``detectors`` on one institution's inputs (pure).

    ``params`` maps a detector name to its parameter overrides.
    """
    params = params or {}
    out: list[FindingResult] = []
    for name in detectors:
        out.extend(module(name).detect(inputs, params.get(name), as_of))
    return out


def component(G: nx.MultiDiGraph, uscc: str) -> nx.MultiDiGraph | None:
    """The weakly connected component of an institution in the related-party graph (a copy)."""
    node = institution_key(uscc)
    if node not in G:
        return None
    nodes = nx.node_connected_component(G.to_undirected(as_view=True), node)
    return G.subgraph(nodes).copy()


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


def _facts(config, as_of: datetime | None) -> dict[int, list[dict]]:
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


def _accounts(config) -> tuple[dict[str, dict], dict[int, set[str]]]:
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
    facts_by_id = _facts(config, as_of)
    accounts, owned_by_id = _accounts(config)

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


def partition_keys(graph: nx.MultiDiGraph, usccs: Iterable[str]) -> dict[str, str]:
    """USCC → key of its partition: institutions sharing a controlling party go together.

    A controlling party is a direct predecessor by a control relation (shareholder, controller,
    executive, legal representative). The key is the smallest USCC of the group, so it stays the
    same between sweeps as long as the group does.
    """
    from graphs.build import CONTROL_KINDS

    usccs = sorted(set(usccs))
    groups = nx.utils.UnionFind(usccs)
    by_party: dict[str, str] = {}
    for uscc in usccs:
        node = institution_key(uscc)
        if node not in graph:
            continue
        for party, _, kind in graph.in_edges(node, data="kind"):
            if kind not in CONTROL_KINDS:
                continue
            first = by_party.setdefault(party, uscc)
            groups.union(first, uscc)
    return {uscc: min(group) for group in groups.to_sets() for uscc in group}


# Below this many institutions the worker processes cost more (start, imports, loading the
# registry) than they save.
PARALLEL_MIN_INSTITUTIONS = 40


def detect(config, as_of: datetime | None = None, institutions: Iterable[str] | None = None,
           params: Mapping[str, Mapping[str, Any]] | None = None,
           detectors: Iterable[str] = DETECTORS, workers: int | None = None,
           engine: str | None = None) -> list[FindingResult]:
    """Findings of all detectors for the store's institutions at ``as_of`` (default: now).

    Parameters
    ----------
    config : monitor.config.Config
    as_of : datetime, optional
        Aware datetime; only data available by then is used.
    institutions : iterable of USCC, optional
        Restrict to these institutions.
    params : mapping, optional
        detector name → parameter overrides.
    workers : int, optional
        Processes mapping :func:`detect_partition` over the institutions (each loads the city
        once and reads one institution's edges at a time). Default: up to 2 (the CPUs) from
        :data:`PARALLEL_MIN_INSTITUTIONS` institutions on, else 1. The findings and their order
        do not depend on it.
    engine : str, optional
        ``local`` or ``spark`` (see :mod:`graphs.engines`); default the ``engine`` setting. The
        findings and their order do not depend on it.
    """
    as_of = as_utc(as_of) or datetime.now(timezone.utc)
    detectors = tuple(detectors)
    engine = engine or config.get("engine", "local")
    if engine != "local":
        from graphs.engines import get_engine

        return get_engine(engine).detect(config, as_of, institutions, params, detectors)
    data = load_city(config, as_of, institutions, lazy=True)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(data.institutions) >= PARALLEL_MIN_INSTITUTIONS else 1
    if workers > 1 and _in_worker():
        workers = 1  # a worker process never starts its own pool
    workers = max(1, min(workers, len(data.institutions)))
    if workers > 1:
        return _detect_parallel(config, as_of, institutions, params, detectors, workers, len(data.institutions))
    out: list[FindingResult] = []
    for inputs in data.partitions(as_of):
        out.extend(detect_partition(inputs, params, as_of, detectors))
    return out


# One worker process's city and cut (set by _init_worker; spawn start method: nothing is inherited).
_WORKER: dict[str, Any] = {}


def _in_worker() -> bool:
    import multiprocessing as mp

    return mp.parent_process() is not None


def _detect_parallel(config, as_of, institutions, params, detectors, workers: int, n: int) -> list[FindingResult]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Config does not pickle (attribute lookup by __getattr__); its values and origins do.
    settings = (dict(config), {key: config.origin(key) for key in config})
    try:
        # spawn, not fork: the sweep may run in a scheduler thread. An executor (not a Pool) fails
        # fast when a worker cannot start — e.g. a script without a __main__ guard — instead of
        # starting new workers forever; detection then runs in this process.
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_init_worker,
                                 initargs=(settings, as_of, None if institutions is None else list(institutions),
                                           params, detectors)) as pool:
            out: list[FindingResult] = []
            for found in pool.map(_detect_one, range(n)):  # in institution order, as the sequential loop
                out.extend(found)
            return out
    except BrokenProcessPool as exc:
        log.warning("detection workers failed (%s); running in one process", exc)
    return detect(config, as_of, institutions, params, detectors, workers=1)


def _init_worker(settings, as_of, institutions, params, detectors) -> None:
    from monitor.config import Config

    config = Config(*settings)
    data = load_city(config, as_of, institutions, lazy=True)
    _WORKER.update(data=data, cut=data.cut(as_of), as_of=as_of, params=params, detectors=detectors)


def _detect_one(index: int) -> list[FindingResult]:
    w = _WORKER
    inputs = w["data"].partition(w["data"].institutions[index], w["cut"])
    return detect_partition(inputs, w["params"], w["as_of"], w["detectors"])
