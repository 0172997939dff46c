"""Whole-city graphs read from a store, for tests that compare against them."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

import networkx as nx

from graphs.flows import accounts_from_edges, collapse_periods, entity_flow_graph, flow_graph
from graphs.loading import load_registry
from monitor.clock import as_utc


def load_related_party_graph(config, as_of: datetime | None = None) -> nx.MultiDiGraph:
    """The whole city's related-party graph at ``as_of``."""
    return load_registry(config, as_of).graph(as_of)


def load_flow_graph(config, institutions: Iterable[str] | None = None, start=None, end=None,
                    as_of: datetime | None = None, entity_level: bool = False) -> nx.Graph:
    """Fund-flow graph of some institutions (default: the whole city) for a window, as known at ``as_of``.

    ``start``/``end`` bound the transfer times as in the store (end exclusive); with ``entity_level``
    the accounts are merged into their holders.
    """
    from monitor.transfers import TransferStore

    table = TransferStore(config).aggregate_edges(institution_ids=institutions, start=start, end=end,
                                                  as_of=as_utc(as_of))
    accounts = accounts_from_edges(table)
    G = flow_graph(table, accounts)
    return entity_flow_graph(collapse_periods(G), accounts) if entity_level else G
