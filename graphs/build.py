"""Re-exports of :mod:`graphs.registry` and :mod:`graphs.flows` for the importers that read them here.

New code imports from :mod:`graphs.registry` (the related-party graph), :mod:`graphs.flows` (the
fund-flow graph) or :mod:`graphs.loading` (reading the stores into them).
"""

from __future__ import annotations

from graphs.flows import (FlowEdge, accounts_from_edges, collapse_periods, entity_flow_graph, flow_edges, flow_graph,
                          holder_key)
from graphs.registry import (CONTROL_KINDS, RELATION_KINDS, RegistrySnapshot, company_key, component,
                             institution_key, label, neighbourhood, person_key, related_parties, related_party_graph)

__all__ = ["CONTROL_KINDS", "RELATION_KINDS", "FlowEdge", "RegistrySnapshot", "accounts_from_edges",
           "collapse_periods", "company_key", "component", "entity_flow_graph", "flow_edges", "flow_graph",
           "holder_key", "institution_key", "label", "neighbourhood", "person_key", "related_parties",
           "related_party_graph"]
