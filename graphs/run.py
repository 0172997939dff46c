"""Run every detector for the institutions of the store at one ``as_of``.

Work is split in partitions — one per institution, carrying the related-party
graph of its component — built by :func:`partitions` (I/O) and analysed by
:func:`detect_partition` (pure), so a sweep can map the pure part over
Dask or Spark later without changing the detectors.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timezone
from statistics import median
from typing import Any, Iterable, Iterator, Mapping

import networkx as nx

from graphs.build import flow_edges, institution_key, load_registry
from graphs.detectors import DETECTORS, Inputs, module
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


def _component(G: nx.MultiDiGraph, uscc: str) -> nx.MultiDiGraph | None:
    node = institution_key(uscc)
    if node not in G:
        return None
    # The weakly connected component holds every party within any number of hops.
    nodes = nx.node_connected_component(G.to_undirected(as_view=True), node)
    return G.subgraph(nodes).copy()


def _facts(config, as_of: datetime | None) -> dict[int, list[dict]]:
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import DisclosureFact, Document

    out: dict[int, list[dict]] = defaultdict(list)
    with session_scope(config) as session:
        stmt = select(DisclosureFact, Document.url, Document.sha256, Document.fetched_at).join(
            Document, DisclosureFact.document_id == Document.id, isouter=True)
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
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import Account

    info: dict[str, dict] = {}
    owned: dict[int, set[str]] = defaultdict(set)
    with session_scope(config) as session:
        for a in session.exec(select(Account)):
            info[a.account_no] = {"holder_name": a.holder_name, "holder_id": a.holder_id_no,
                                  "holder_kind": a.holder_kind}
            if a.institution_id is not None:
                owned[a.institution_id].add(a.account_no)
    return info, owned


def peer_context(facts_by_inst: Mapping[int, list[dict]]) -> dict[str, Any]:
    """City-wide context for the detectors: median of the latest disclosed yields."""
    latest = []
    for facts in facts_by_inst.values():
        ys = [f for f in facts if f["metric"] == "avg_yield"]
        if ys:
            latest.append(max(ys, key=lambda f: str(f["period"]))["value"])
    return {"median_yield": median(latest) if latest else None}


def partitions(config, as_of: datetime | None, institutions: Iterable[str] | None = None,
               k: int = 3) -> Iterator[Inputs]:
    """Yield one :class:`Inputs` per institution from the store, as known at ``as_of``.

    Reads the registry (related-party graph), the disclosure facts, the
    ``Account`` table and the aggregated transfers (never raw rows).
    """
    from monitor.transfers import TransferStore

    as_of = as_of if as_of is None or as_of.tzinfo else as_of.replace(tzinfo=timezone.utc)
    snapshot = load_registry(config, as_of)
    G = snapshot.graph(as_of)
    wanted = set(institutions) if institutions else None
    insts = [i for i in snapshot.institutions if wanted is None or i["uscc"] in wanted]
    facts = _facts(config, as_of)
    peers = peer_context(facts)
    accounts, owned = _accounts(config)
    store = TransferStore(config)
    for inst in sorted(insts, key=lambda i: i["uscc"]):
        edges = list(flow_edges(store.aggregate_edges(institution_ids=[inst["uscc"]], as_of=as_of)))
        registry = _component(G, inst["uscc"])
        flows = None
        if edges:
            flows = build_platform_flows(edges, accounts, uscc=inst["uscc"], name=inst["name"],
                                         platform_accounts=owned.get(inst["id"], ()),
                                         related=related_index(registry, inst["uscc"], k=k))
        yield Inputs(inst["uscc"], inst["name"], flows, registry, facts.get(inst["id"], []), peers)


def detect(config, as_of: datetime | None = None, institutions: Iterable[str] | None = None,
           params: Mapping[str, Mapping[str, Any]] | None = None,
           detectors: Iterable[str] = DETECTORS) -> list[FindingResult]:
    """Findings of all detectors for the store's institutions at ``as_of`` (default: now).

    Parameters
    ----------
    config : monitor.config.Config
    as_of : datetime, optional
        Only data available by then is used.
    institutions : iterable of USCC, optional
        Restrict to these institutions.
    params : mapping, optional
        detector name → parameter overrides.
    """
    as_of = as_of or datetime.now(timezone.utc)
    detectors = tuple(detectors)
    out: list[FindingResult] = []
    for inputs in partitions(config, as_of, institutions):
        out.extend(detect_partition(inputs, params, as_of, detectors))
    return out
