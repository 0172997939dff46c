"""The generic typologies by name, their parameters, and one call running them all."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from graphs.detectors.typologies import COMMON, Ledger, ledger
from graphs.detectors.typologies import fan, layering, temporal_cycle

# name -> (function, defaults); the name is the finding's detector and kind.
TYPOLOGIES: dict[str, tuple[Callable, dict[str, Any]]] = {
    "fan_in": (fan.fan_in, fan.DEFAULTS),
    "fan_out": (fan.fan_out, fan.DEFAULTS),
    "scatter_gather_relay": (layering.scatter_gather, layering.SCATTER_GATHER_DEFAULTS),
    "gather_scatter": (layering.gather_scatter, layering.GATHER_SCATTER_DEFAULTS),
    "stacked_layering": (layering.stacked_layering, layering.STACK_DEFAULTS),
    "bipartite_layering": (layering.bipartite_layering, layering.BIPARTITE_DEFAULTS),
    "temporal_cycle": (temporal_cycle.temporal_cycles, temporal_cycle.CYCLE_DEFAULTS),
    "layering_chain": (temporal_cycle.layering_chains, temporal_cycle.CHAIN_DEFAULTS),
}


def defaults(name: str) -> dict[str, Any]:
    """Every parameter of typology ``name`` with its default (``novelty_days`` included)."""
    return {**COMMON, **TYPOLOGIES[name][1]}


def run_typologies(G, params: Mapping[str, Mapping[str, Any]] | None = None, names=None,
                   reports: dict[str, dict] | None = None) -> list:
    """Run typologies ``names`` (default: all) on ``G``; ``params`` maps a name to its overrides.

    ``reports``, when given, receives per name the thresholds used and the closest candidate.
    One :class:`Ledger` is built per distinct ``novelty_days`` and shared.
    """
    params = params or {}
    base = G if isinstance(G, Ledger) else ledger(G)
    ledgers = {base.novelty_days: base}
    out = []
    for name in names or TYPOLOGIES:
        fn, _ = TYPOLOGIES[name]
        p = dict(params.get(name) or {})
        nd = float(p.get("novelty_days", COMMON["novelty_days"]))
        if nd not in ledgers:
            ledgers[nd] = ledger(base, novelty_days=nd)
        report = {} if reports is not None else None
        out.extend(fn(ledgers[nd], p, report))
        if reports is not None:
            reports[name] = report
    return out
