"""The related-party graph: registry parties (companies, persons, institutions) and their relations.

Pure builders take plain data (iterables of dicts or ORM rows) so tests can
hand-build inputs; :mod:`graphs.loading` reads them from the store. Builders
always return a new graph and never modify a graph they are given.

Node keys
---------
* ``company:<id>``, ``person:<id>`` for registry parties;
* ``institution:<uscc>`` for a supervised institution (its registry company,
  when known, is merged into this node: the node carries ``company_id``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

import networkx as nx

from monitor.clock import as_utc
from monitor.text import normalize_name

RELATION_KINDS = ("shareholder", "controller", "executive", "legal_representative", "guarantee")
# Kinds that tie people and firms into one "related party" group (guarantees are
# business relations, not control, and are handled by the guarantee detector).
CONTROL_KINDS = frozenset({"shareholder", "controller", "executive", "legal_representative"})


def _get(row: Any, name: str, default: Any = None) -> Any:
    if isinstance(row, Mapping):
        return row.get(name, default)
    return getattr(row, name, default)


def _available(row: Any, as_of: datetime | None) -> bool:
    if as_of is None:
        return True
    at = as_utc(_get(row, "available_at"))
    return at is None or at <= as_of


def company_key(company_id: Any) -> str:
    return f"company:{company_id}"


def person_key(person_id: Any) -> str:
    return f"person:{person_id}"


def institution_key(uscc: str) -> str:
    return f"institution:{uscc}"


def related_party_graph(companies: Iterable[Any], persons: Iterable[Any], relations: Iterable[Any],
                        institutions: Iterable[Any] = (), *, as_of: datetime | None = None) -> nx.MultiDiGraph:
    """Build the related-party graph as known at ``as_of``.

    Parameters
    ----------
    companies, persons, relations, institutions : iterables of dicts or ORM rows
        Rows shaped like :class:`monitor.models.Company`, ``Person``,
        ``Relation`` and ``Institution``. Rows with ``available_at > as_of``
        are left out.
    as_of : datetime, optional
        Aware datetime; ``None`` keeps everything.

    Returns
    -------
    networkx.MultiDiGraph
        Edges go subject → object (person/company → company; guarantor →
        guaranteed), keyed by relation kind, with ``share``, ``role``,
        ``amount``, ``valid_from``, ``valid_to``, ``document_id``.

    Examples
    --------
    >>> G = related_party_graph(
    ...     [{"id": 1, "name": "甲平台有限公司", "uscc": "91440300000000001X"}],
    ...     [{"id": 7, "name": "张三"}],
    ...     [{"kind": "shareholder", "subject_kind": "person", "subject_id": 7,
    ...       "object_kind": "company", "object_id": 1, "share": 0.6}],
    ...     [{"uscc": "91440300000000001X", "name": "甲平台"}])
    >>> list(G.edges(keys=True))
    [('person:7', 'institution:91440300000000001X', 'shareholder')]

    Notes
    -----
    O(C + P + R) time and memory.
    """
    as_of = as_utc(as_of)
    G = nx.MultiDiGraph()
    inst_names = {}
    for inst in institutions:
        uscc = _get(inst, "uscc")
        if uscc:
            inst_names[uscc] = _get(inst, "name")
    company_nodes: dict[Any, str] = {}
    for c in companies:
        if not _available(c, as_of):
            continue
        uscc = _get(c, "uscc")
        key = institution_key(uscc) if uscc in inst_names else company_key(_get(c, "id"))
        company_nodes[_get(c, "id")] = key
        name = _get(c, "name") or ""
        G.add_node(key, kind="institution" if uscc in inst_names else "company", name=name,
                   name_norm=normalize_name(name), uscc=uscc, company_id=_get(c, "id"),
                   registered_capital=_get(c, "registered_capital"),
                   paid_in_capital=_get(c, "paid_in_capital"), address=_get(c, "address"))
    for uscc, name in inst_names.items():
        key = institution_key(uscc)
        if key not in G:
            G.add_node(key, kind="institution", name=name or "", name_norm=normalize_name(name or ""),
                       uscc=uscc, company_id=None)
    person_nodes: dict[Any, str] = {}
    for p in persons:
        if not _available(p, as_of):
            continue
        key = person_key(_get(p, "id"))
        person_nodes[_get(p, "id")] = key
        G.add_node(key, kind="person", name=_get(p, "name") or "", name_norm=normalize_name(_get(p, "name") or ""),
                   id_key=_get(p, "id_key"))
    for r in relations:
        if not _available(r, as_of):
            continue
        valid_from = _get(r, "valid_from")
        if as_of is not None and valid_from is not None and as_utc(valid_from) > as_of:
            continue
        valid_to = _get(r, "valid_to")
        if as_of is not None and valid_to is not None and as_utc(valid_to) <= as_of:
            continue  # a role ended by then (former legal representative, exited shareholder)
        src = (person_nodes if _get(r, "subject_kind") == "person" else company_nodes).get(_get(r, "subject_id"))
        dst = (person_nodes if _get(r, "object_kind") == "person" else company_nodes).get(_get(r, "object_id"))
        if src is None or dst is None:
            continue
        G.add_edge(src, dst, key=_get(r, "kind"), kind=_get(r, "kind"), share=_get(r, "share"),
                   role=_get(r, "role"), amount=_get(r, "amount"), valid_from=valid_from,
                   valid_to=_get(r, "valid_to"), document_id=_get(r, "document_id"))
    return G


def related_parties(G: nx.MultiDiGraph, source: str, k: int = 3,
                    kinds: frozenset[str] = CONTROL_KINDS) -> dict[str, list[str]]:
    """Parties within ``k`` hops of ``source`` over control edges, with one shortest path each.

    Edges are followed in both directions (a shareholder of the platform and
    another firm that shareholder owns are both related).

    Returns
    -------
    dict
        node → path of node keys from ``source`` (inclusive) to the node.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edges_from([("person:1", "institution:X", "shareholder", {"kind": "shareholder"}),
    ...                   ("person:1", "company:2", "shareholder", {"kind": "shareholder"})])
    ['shareholder', 'shareholder']
    >>> related_parties(G, "institution:X", k=2)["company:2"]
    ['institution:X', 'person:1', 'company:2']

    Notes
    -----
    Breadth-first search: O(V + E) of the k-hop neighbourhood.
    """
    if source not in G:
        return {}
    paths = {source: [source]}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        if len(paths[node]) > k:
            continue
        neighbours = [(v, d) for _, v, d in G.out_edges(node, data=True)]
        neighbours += [(u, d) for u, _, d in G.in_edges(node, data=True)]
        for other, data in neighbours:
            if data.get("kind") in kinds and other not in paths:
                paths[other] = paths[node] + [other]
                queue.append(other)
    return paths


def neighbourhood(G: nx.Graph, node: str, k: int = 2) -> nx.Graph:
    """A new graph: everything within ``k`` hops of ``node`` (edge direction ignored).

    Notes
    -----
    O(V + E) of the neighbourhood; the result is a copy, ``G`` is unchanged.
    """
    if node not in G:
        return G.__class__()
    return nx.ego_graph(G, node, radius=k, undirected=True).copy()


def label(G: nx.Graph, node: str) -> str:
    """A readable label of a related-party node: ``name (key)``."""
    name = G.nodes[node].get("name") if node in G else None
    return f"{name} ({node})" if name else node


def component(G: nx.MultiDiGraph, uscc: str) -> nx.MultiDiGraph | None:
    """The weakly connected component of an institution in the related-party graph (a copy)."""
    node = institution_key(uscc)
    if node not in G:
        return None
    nodes = nx.node_connected_component(G.to_undirected(as_view=True), node)
    return G.subgraph(nodes).copy()


@dataclass
class RegistrySnapshot:
    """Registry rows as known at one date, ready for :func:`related_party_graph`."""

    companies: list[dict] = field(default_factory=list)
    persons: list[dict] = field(default_factory=list)
    relations: list[dict] = field(default_factory=list)
    institutions: list[dict] = field(default_factory=list)

    def graph(self, as_of: datetime | None = None) -> nx.MultiDiGraph:
        return related_party_graph(self.companies, self.persons, self.relations, self.institutions, as_of=as_of)

