"""The graph stage of a sweep: every detector for the institutions of the store at one ``as_of``.

Work is split in partitions — one per institution, carrying the related-party
graph of its component — cut by :meth:`graphs.loading.CityData.partitions` and
analysed by :func:`detect_partition` (pure), so an engine (:mod:`graphs.engines`:
a local process pool, or Spark) maps the pure part without changing the detectors.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

import networkx as nx

from graphs.detectors import DETECTORS, Inputs, module
from graphs.loading import load_city
from graphs.registry import CONTROL_KINDS, institution_key
from monitor.clock import as_utc
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


def partition_keys(graph: nx.MultiDiGraph, usccs: Iterable[str]) -> dict[str, str]:
    """USCC → key of its partition: institutions sharing a controlling party go together.

    A controlling party is a direct predecessor by a control relation (shareholder, controller,
    executive, legal representative). The key is the smallest USCC of the group, so it stays the
    same between sweeps as long as the group does.
    """
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
           engine: str | None = None, across: bool = True) -> list[FindingResult]:
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
    across : bool
        Also run phase 2, the patterns across partitions on the reduced holder graph
        (:mod:`graphs.across`); its findings follow phase 1's.
    """
    as_of = as_utc(as_of) or datetime.now(timezone.utc)
    detectors = tuple(detectors)
    engine = engine or config.get("engine", "local")
    if engine != "local":
        from graphs.engines import get_engine

        return get_engine(engine).detect(config, as_of, institutions, params, detectors, across=across)
    data = load_city(config, as_of, institutions, lazy=True)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(data.institutions) >= PARALLEL_MIN_INSTITUTIONS else 1
    if workers > 1 and _in_worker():
        workers = 1  # a worker process never starts its own pool
    workers = max(1, min(workers, len(data.institutions)))
    if workers > 1:
        out = _detect_parallel(config, as_of, institutions, params, detectors, workers, len(data.institutions))
    else:
        out = []
        for inputs in data.partitions(as_of):
            out.extend(detect_partition(inputs, params, as_of, detectors))
    if across and data.institutions:
        out.extend(_detect_across_local(config, as_of, data, institutions, params))
    return out


def _detect_across_local(config, as_of, data, institutions, params) -> list[FindingResult]:
    """Phase 2 in the local engine: the reduced graph by DuckDB, its detectors on this process."""
    from graphs.across import detect_across, reduce_local, reduced_graph

    graph = data.registry.graph(as_of)
    keys = partition_keys(graph, (i["uscc"] for i in data.institutions))
    reduced = reduce_local(config, as_of, keys, graph, None if institutions is None else list(keys))
    return [] if reduced is None else detect_across(reduced_graph(*reduced, keys), params, as_of)


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
    return detect(config, as_of, institutions, params, detectors, workers=1, across=False)


def _init_worker(settings, as_of, institutions, params, detectors) -> None:
    from monitor.config import Config

    config = Config(*settings)
    data = load_city(config, as_of, institutions, lazy=True)
    _WORKER.update(data=data, cut=data.cut(as_of), as_of=as_of, params=params, detectors=detectors)


def _detect_one(index: int) -> list[FindingResult]:
    w = _WORKER
    inputs = w["data"].partition(w["data"].institutions[index], w["cut"])
    return detect_partition(inputs, w["params"], w["as_of"], w["detectors"])
