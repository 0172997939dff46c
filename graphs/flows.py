"""The fund-flow graph: bank accounts as nodes, transfers aggregated per account pair and period.

Edge attributes are per-period aggregates (``amount`` in 元, ``count``,
``first``/``last`` ISO times, ``purposes``), never raw transfers. Builders
take plain rows or ``pyarrow`` tables (as
:meth:`monitor.transfers.TransferStore.aggregate_edges` gives them), always
return a new graph and never modify a graph they are given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Iterator, Mapping

import networkx as nx

from monitor.text import normalize_name


# Not frozen: a big city builds millions of edges and a frozen dataclass costs ~4x more to
# construct (``object.__setattr__`` per field). Edges are read-only by convention; hashable by value.
@dataclass(slots=True, unsafe_hash=True)
class FlowEdge:
    """Aggregated transfers from one account to another in one period (treat as read-only)."""

    src: str
    dst: str
    period: str  # YYYY-MM
    amount: float
    count: int
    first: str  # ISO time
    last: str
    purposes: tuple[str, ...] = ()


_ALIASES = {
    "src": ("src", "payer_account"),
    "dst": ("dst", "payee_account"),
    "period": ("period", "month"),
    "amount": ("amount", "amount_sum", "total"),
    "count": ("count", "n", "txn_count", "transfers"),
    "first": ("first", "first_time", "first_txn_time", "min_time"),
    "last": ("last", "last_time", "last_txn_time", "max_time"),
    "purposes": ("purposes", "purpose"),
}


def _iso(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return "" if value is None else str(value)


def _period(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return f"{value.year:04d}-{value.month:02d}"
    return str(value)[:7]


def flow_edges(rows: Any) -> Iterator[FlowEdge]:
    """Normalise aggregated-edge rows (dicts, a ``pyarrow.Table`` or FlowEdges) into :class:`FlowEdge`.

    Column names of :meth:`monitor.transfers.TransferStore.aggregate_edges`
    and a few aliases (``payer_account``/``src``, ``first_time``/``first``…)
    are accepted.
    """
    if hasattr(rows, "column_names") and {"payer_account", "payee_account", "period", "amount", "count",
                                          "first_time", "last_time"} <= set(rows.column_names):
        yield from _table_edges(rows)
        return
    if hasattr(rows, "to_pylist"):
        rows = rows.to_pylist()
    for row in rows:
        if isinstance(row, FlowEdge):
            yield row
            continue
        values = {}
        for name, aliases in _ALIASES.items():
            for alias in aliases:
                if alias in row and row[alias] is not None:
                    values[name] = row[alias]
                    break
        purposes = values.get("purposes") or ()
        if isinstance(purposes, str):
            purposes = tuple(p for p in purposes.replace(";", ",").split(",") if p)
        yield FlowEdge(str(values["src"]), str(values["dst"]), _period(values.get("period", values.get("first"))),
                       float(values.get("amount", 0.0)), int(values.get("count", 1)),
                       _iso(values.get("first")), _iso(values.get("last", values.get("first"))),
                       tuple(sorted(set(purposes))))


def _table_edges(table) -> Iterator[FlowEdge]:
    """Fast path for :meth:`TransferStore.aggregate_edges` tables: column-wise, no per-row dicts.

    Periods, ISO times and purpose labels are formatted by Arrow compute kernels and account
    numbers interned once per distinct value, so Python only assembles the edges.
    """
    import pyarrow as pa

    if table.num_rows == 0:
        return
    table = table.combine_chunks()
    period, first, last = (table.column(c) for c in ("period", "first_time", "last_time"))
    if not (pa.types.is_date(period.type) and period.null_count == 0
            and pa.types.is_timestamp(first.type) and pa.types.is_timestamp(last.type)
            and first.type.tz is None and last.type.tz is None and first.type.unit == last.type.unit == "us"):
        yield from _table_edges_rows(table)  # unusual types (freq="all", strings…): row by row
        return
    src = _interned(table.column("payer_account"))
    dst = _interned(table.column("payee_account"))
    months = _formatted(period, "%Y-%m")
    firsts, lasts = _iso_column(first), _iso_column(last)
    amounts = [float(a) for a in table.column("amount").to_pylist()]
    counts = [int(c) for c in table.column("count").to_pylist()]
    labels = (_purpose_labels(table.column("purposes")) if "purposes" in table.column_names
              else [()] * table.num_rows)
    yield from map(FlowEdge, src, dst, months, amounts, counts, firsts, lasts, labels)


def _table_edges_rows(table) -> Iterator[FlowEdge]:
    """Row-by-row conversion of an aggregated-edge table (the reference for :func:`_table_edges`)."""
    from sys import intern

    cols = table.to_pydict()
    purposes = cols.get("purposes") or [()] * table.num_rows
    seen: dict[Any, tuple[str, ...]] = {}
    periods: dict[Any, str] = {}
    for src, dst, period, amount, count, first, last, ps in zip(
            cols["payer_account"], cols["payee_account"], cols["period"], cols["amount"], cols["count"],
            cols["first_time"], cols["last_time"], purposes):
        key = tuple(ps) if ps else ()
        labels = seen.get(key)
        if labels is None:
            labels = seen[key] = tuple(sorted({x for x in key if x}))
        month = periods.get(period)
        if month is None:
            month = periods[period] = _period(period)
        # Interned: an account appears in many edges; one string each keeps a big city in memory.
        yield FlowEdge(intern(src), intern(dst), month, float(amount), int(count), _iso(first), _iso(last), labels)


def _interned(column) -> list:
    """Values of a string column, one interned string object per distinct value."""
    import pyarrow.compute as pc
    from sys import intern

    encoded = pc.dictionary_encode(column)
    if hasattr(encoded, "combine_chunks"):
        encoded = encoded.combine_chunks()
    values = [None if v is None else intern(v) for v in encoded.dictionary.to_pylist()]
    return [None if i is None else values[i] for i in encoded.indices.to_pylist()]


def _formatted(column, fmt: str) -> list:
    """Distinct values formatted once (few distinct periods per table)."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(column)
    if hasattr(encoded, "combine_chunks"):
        encoded = encoded.combine_chunks()
    values = pc.strftime(encoded.dictionary, format=fmt).to_pylist()
    return [values[i] for i in encoded.indices.to_pylist()]


def _iso_column(column) -> list[str]:
    """``datetime.isoformat()`` of a naive microsecond timestamp column ("" for NULL), by Arrow casts.

    Casting is ~25x faster than ``pc.strftime``; isoformat() prints microseconds only when they
    are not zero, as the cast of the whole-second values does.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    seconds = column.cast(pa.timestamp("s"), safe=False)
    text = pc.replace_substring(seconds.cast(pa.string()), " ", "T", max_replacements=1)
    fractional = pc.not_equal(seconds.cast(column.type), column)
    if pc.any(fractional).as_py():
        full = pc.replace_substring(column.cast(pa.string()), " ", "T", max_replacements=1)
        text = pc.if_else(fractional, full, text)
    return text.fill_null("").to_pylist()


def _purpose_labels(column) -> list[tuple[str, ...]]:
    """Sorted distinct non-empty labels per row of a list<string> column."""
    import pyarrow.compute as pc

    if pc.list_flatten(column).null_count:
        cache: dict[tuple, tuple[str, ...]] = {}
        out = []
        for ps in column.to_pylist():
            key = tuple(ps) if ps else ()
            if key not in cache:
                cache[key] = tuple(sorted({x for x in key if x}))
            out.append(cache[key])
        return out
    # Few distinct label sets: join each row's list into one string and convert each distinct string once.
    joined = pc.binary_join(column, "\x1f").fill_null("")
    encoded = pc.dictionary_encode(joined)
    if hasattr(encoded, "combine_chunks"):
        encoded = encoded.combine_chunks()
    labels = [tuple(sorted({x for x in s.split("\x1f") if x})) for s in encoded.dictionary.to_pylist()]
    return [labels[i] for i in encoded.indices.to_pylist()]


def flow_graph(edges: Any, accounts: Mapping[str, Mapping[str, Any]] | None = None, *,
               start: str | None = None, end: str | None = None) -> nx.MultiDiGraph:
    """Account → account fund-flow graph with one edge per period.

    Parameters
    ----------
    edges : iterable or pyarrow.Table
        Aggregated edges (see :func:`flow_edges`).
    accounts : mapping, optional
        account_no → holder info (``holder_name``, ``holder_id``, ``holder_kind``),
        copied onto the nodes.
    start, end : str, optional
        ``YYYY-MM`` bounds of the window (inclusive).

    Returns
    -------
    networkx.MultiDiGraph
        Edge key = period; attributes ``amount``, ``count``, ``first``,
        ``last``, ``purposes``.

    Examples
    --------
    >>> G = flow_graph([{"src": "A", "dst": "B", "period": "2018-01", "amount": 5.0, "count": 2,
    ...                  "first": "2018-01-02", "last": "2018-01-09"}])
    >>> G["A"]["B"]["2018-01"]["amount"]
    5.0

    Notes
    -----
    O(E) time and memory in the number of aggregated edges.
    """
    G = nx.MultiDiGraph()
    for e in flow_edges(edges):
        if (start and e.period < start) or (end and e.period > end):
            continue
        G.add_edge(e.src, e.dst, key=e.period, amount=e.amount, count=e.count, first=e.first,
                   last=e.last, purposes=e.purposes)
    if accounts:
        for node in G.nodes:
            info = accounts.get(node)
            if info:
                G.nodes[node].update({k: info.get(k) for k in ("holder_name", "holder_id", "holder_kind")})
    return G


def collapse_periods(G: nx.MultiDiGraph) -> nx.DiGraph:
    """Sum a per-period flow graph into one edge per account pair (a new DiGraph).

    Notes
    -----
    O(E) time; node attributes are copied.
    """
    H = nx.DiGraph()
    H.add_nodes_from(G.nodes(data=True))
    for u, v, d in G.edges(data=True):
        if H.has_edge(u, v):
            h = H[u][v]
            h["amount"] += d["amount"]
            h["count"] += d["count"]
            h["first"] = min(h["first"], d["first"])
            h["last"] = max(h["last"], d["last"])
            h["purposes"] = tuple(sorted(set(h["purposes"]) | set(d["purposes"])))
        else:
            H.add_edge(u, v, amount=d["amount"], count=d["count"], first=d["first"], last=d["last"],
                       purposes=tuple(d["purposes"]))
    return H


def holder_key(info: Mapping[str, Any] | None, account_no: str) -> str:
    """Entity key of an account's holder: its ID number, else normalised name, else the account."""
    if info:
        if info.get("holder_id"):
            return f"id:{info['holder_id']}"
        if info.get("holder_name"):
            return f"name:{normalize_name(info['holder_name'])}"
    return f"account:{account_no}"


def entity_flow_graph(G: nx.Graph, accounts: Mapping[str, Mapping[str, Any]]) -> nx.DiGraph:
    """Flows read at entity level: accounts merged into their holders (a new DiGraph).

    Self-loops (an entity moving money between its own accounts) are kept,
    since custody → own general account is exactly what custody-bypass looks for.

    Notes
    -----
    O(E) time.
    """
    H = nx.DiGraph()
    for node, data in G.nodes(data=True):
        key = holder_key(accounts.get(node) or data, node)
        if key not in H:
            info = accounts.get(node) or data
            H.add_node(key, holder_name=info.get("holder_name"), holder_id=info.get("holder_id"), accounts=[])
        H.nodes[key]["accounts"].append(node)
    edges = G.edges(data=True)
    for u, v, d in edges:
        a = holder_key(accounts.get(u) or G.nodes[u], u)
        b = holder_key(accounts.get(v) or G.nodes[v], v)
        if H.has_edge(a, b):
            H[a][b]["amount"] += d["amount"]
            H[a][b]["count"] += d["count"]
        else:
            H.add_edge(a, b, amount=d["amount"], count=d["count"])
    return H



def accounts_from_edges(table) -> dict[str, dict]:
    """Holder name/ID per account from aggregated edges that carry ``payer_name``/``payer_id``…"""
    out: dict[str, dict] = {}
    if hasattr(table, "column_names") and {f"{side}_{c}" for side in ("payer", "payee")
                                           for c in ("account", "name", "id")} <= set(table.column_names):
        return _table_holders(table)
    if hasattr(table, "to_pydict"):
        cols = table.to_pydict()
        n = table.num_rows
        for side in ("payer", "payee"):
            accs = cols.get(f"{side}_account", [None] * n)
            names = cols.get(f"{side}_name", [None] * n)
            ids = cols.get(f"{side}_id", [None] * n)
            for acc, name, ident in zip(accs, names, ids):
                if acc and acc not in out and (name or ident):
                    out[acc] = {"holder_name": name, "holder_id": ident}
        return out
    for r in table:
        for side in ("payer", "payee"):
            acc = r.get(f"{side}_account")
            if acc and acc not in out and (r.get(f"{side}_name") or r.get(f"{side}_id")):
                out[acc] = {"holder_name": r.get(f"{side}_name"), "holder_id": r.get(f"{side}_id")}
    return out


def _table_holders(table) -> dict[str, dict]:
    """:func:`accounts_from_edges` of an Arrow table, by Arrow kernels.

    Same result as the row loop: payer rows then payee rows, the first row per account whose
    name or ID is non-empty gives its holder.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    def side(name: str):
        return [table.column(f"{name}_{c}").combine_chunks().cast(pa.string()) for c in ("account", "name", "id")]

    acc, names, ids = (pa.concat_arrays(pair) for pair in zip(side("payer"), side("payee")))

    def non_empty(a):
        return pc.fill_null(pc.not_equal(a, ""), False)

    keep = pc.and_(non_empty(acc), pc.or_(non_empty(names), non_empty(ids)))
    acc, names, ids = (pc.filter(a, keep) for a in (acc, names, ids))
    if len(acc) == 0:
        return {}
    accounts = pc.unique(acc)  # in order of first appearance
    first = pc.index_in(accounts, value_set=acc)  # the first row of each account
    return {a: {"holder_name": n, "holder_id": i} for a, n, i in zip(
        accounts.to_pylist(), pc.take(names, first).to_pylist(), pc.take(ids, first).to_pylist())}



def flow_tables(table) -> tuple[Any, Any]:
    """``(flows, accounts)``: the Arrow form of ``collapse_periods(flow_graph(table, accounts_from_edges(table)))``.

    ``table`` is :meth:`monitor.transfers.TransferStore.aggregate_edges` with ``freq="all"`` (one row per
    account pair, in its order). ``flows`` keeps one row per pair (``payer_account``, ``payee_account``,
    ``amount``, ``count``, ``first``/``last`` ISO times, ``purposes``) and ``src_rank``, the payer's
    position among the graph's nodes; ``accounts`` has one row per node: ``account``, ``rank``,
    ``holder_name``, ``holder_id`` (as :func:`accounts_from_edges` gives them) and ``partners``, the
    number of distinct counterparties in both directions. :func:`flow_neighbourhood` reads a part of
    the graph back from them, so a portal can keep the tables in a file and build only what it draws.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    import numpy as np

    n = table.num_rows
    table = table.combine_chunks() if n else table
    src = table.column("payer_account").combine_chunks().cast(pa.string()) if n else pa.array([], pa.string())
    dst = table.column("payee_account").combine_chunks().cast(pa.string()) if n else pa.array([], pa.string())
    # Nodes in the order flow_graph adds them: each row's payer, then its payee.
    order = np.arange(2 * n, dtype=np.int64)
    interleaved = pc.take(pa.concat_arrays([src, dst]), pa.array(order // 2 + (order % 2) * n))
    nodes = pc.unique(interleaved)
    src_rank = pc.index_in(src, value_set=nodes)
    both = pa.table({"a": pa.concat_arrays([src, dst]), "b": pa.concat_arrays([dst, src])})
    partners = both.group_by("a").aggregate([("b", "count_distinct")])
    counts = pc.take(partners.column("b_count_distinct"), pc.index_in(nodes, value_set=partners.column("a")))
    holders = accounts_from_edges(table) if n else {}
    accounts = pa.table({
        "account": nodes,
        "rank": pa.array(range(len(nodes)), pa.int64()),
        "holder_name": pa.array([(holders.get(a) or {}).get("holder_name") for a in nodes.to_pylist()], pa.string()),
        "holder_id": pa.array([(holders.get(a) or {}).get("holder_id") for a in nodes.to_pylist()], pa.string()),
        "partners": counts.cast(pa.int64()),
    })
    if n:
        first, last = _iso_column(table.column("first_time").combine_chunks()), \
            _iso_column(table.column("last_time").combine_chunks())
        purposes = table.column("purposes").combine_chunks()
    else:
        first = last = []
        purposes = pa.array([], pa.list_(pa.string()))
    flows = pa.table({
        "payer_account": src, "payee_account": dst,
        "amount": table.column("amount").combine_chunks().cast(pa.float64()) if n else pa.array([], pa.float64()),
        "count": table.column("count").combine_chunks().cast(pa.int64()) if n else pa.array([], pa.int64()),
        "first": pa.array(first, pa.string()), "last": pa.array(last, pa.string()),
        "purposes": purposes, "src_rank": src_rank.cast(pa.int64()),
    })
    return flows, accounts


def flow_neighbourhood(flows, accounts, around: Iterable[str] | Mapping[str, int],
                       highlight: Iterable[str] = ()) -> nx.DiGraph:
    """The flows in or out of the accounts ``around`` as the whole collapsed graph holds them.

    ``flows`` and ``accounts`` come from :func:`flow_tables`. Each account of ``around`` has the same
    in- and out-edges, in the same order, with the same attributes as in the whole graph, and every
    node drawn carries its holder; accounts the tables do not know are left out. When ``around`` maps
    accounts to a number ``n``, only each one's ``n`` biggest flows (ties in the whole graph's order)
    and its flows among ``highlight`` are kept, and ``graph["flows"]`` gives each one's number of
    flows in the whole graph (a loop counts twice, as in its in- and out-edges).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    H = nx.DiGraph()
    wanted = pa.array(sorted(set(around)), pa.string())
    if not len(wanted) or not flows.num_rows:
        H.graph["flows"] = {}
        return H
    src, dst = flows.column("payer_account"), flows.column("payee_account")
    touching = pc.or_(pc.is_in(src, value_set=wanted), pc.is_in(dst, value_set=wanted))
    if isinstance(around, Mapping):
        keep, H.graph["flows"] = _biggest_flows(flows, around, highlight)
    else:
        keep = pc.indices_nonzero(touching)
    rows = flows.take(keep).append_column("row", keep.cast(pa.int64()))
    # The whole graph adds its edges by payer (in node order), each payer's in its row order: the
    # order of every node's in- and out-edges, which decides ties among equal amounts.
    rows = rows.take(pc.sort_indices(rows, sort_keys=[("src_rank", "ascending"), ("row", "ascending")]))
    cols = rows.to_pydict()
    drawn = pa.array(sorted(set(cols["payer_account"]) | set(cols["payee_account"])), pa.string())
    info = accounts.filter(pc.is_in(accounts.column("account"), value_set=drawn)).sort_by("rank").to_pydict()
    for acc, name, ident in zip(info["account"], info["holder_name"], info["holder_id"]):
        H.add_node(acc, **({"holder_name": name, "holder_id": ident, "holder_kind": None} if name or ident else {}))
    for u, v, amount, count, first, last, purposes in zip(
            cols["payer_account"], cols["payee_account"], cols["amount"], cols["count"], cols["first"],
            cols["last"], cols["purposes"]):
        H.add_edge(u, v, amount=amount, count=count, first=first, last=last,
                   purposes=tuple(sorted({p for p in purposes or () if p})))
    return H


def _biggest_flows(flows, limits: Mapping[str, int], highlight: Iterable[str]):
    """(row numbers, flows per account): each account's ``limits`` biggest flows and its flows among
    ``highlight``, ranked as a stable sort by amount of its in-edges then out-edges ranks them."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    src, dst = flows.column("payer_account"), flows.column("payee_account")
    keep, totals = [], {}
    marked = pa.array(sorted(set(highlight)), pa.string())
    both = pc.and_(pc.is_in(src, value_set=marked), pc.is_in(dst, value_set=marked)) if len(marked) else None
    for acc, limit in limits.items():
        ins = pc.indices_nonzero(pc.equal(dst, acc)).cast(pa.int64())
        outs = pc.indices_nonzero(pc.equal(src, acc)).cast(pa.int64())
        totals[acc] = len(ins) + len(outs)
        if not totals[acc]:
            continue
        rows = pa.concat_arrays([ins, outs])
        ranked = pa.table({
            "row": rows,
            "amount": pc.take(flows.column("amount"), rows),
            "side": pa.array(np.repeat([0, 1], [len(ins), len(outs)])),
            # in-edges come by payer in node order, out-edges in row order
            "position": pa.concat_arrays([pc.take(flows.column("src_rank"), ins).combine_chunks(), outs]),
        })
        order = pc.sort_indices(ranked, sort_keys=[("amount", "descending"), ("side", "ascending"),
                                                   ("position", "ascending")])
        keep.append(pc.take(ranked.column("row"), order.slice(0, limit)).combine_chunks())
        if both is not None:
            keep.append(pc.indices_nonzero(pc.and_(both, pc.or_(pc.equal(src, acc), pc.equal(dst, acc))))
                        .cast(pa.int64()))
    if not keep:
        return pa.array([], pa.int64()), totals
    return pc.unique(pa.concat_arrays(keep)), totals
