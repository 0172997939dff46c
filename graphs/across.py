"""Phase 2 of the graph stage: patterns across partitions, on a reduced holder graph.

Phase 1 (:func:`graphs.run.detect_partition`) sees one institution's accounts.
Phase 2 collapses every institution's transfers to their **holders** (the
holder ID of the accounts register, else the row's payer/payee ID — with the
name when the ID is masked —, else the name, else the account), keeps only
the holders that can tie partitions together — organisations (accounts in the
register, the institutions themselves, firms of the registry), related
parties of the registry and holders seen in two or more partitions — and sums
the transfers between kept holders per holder pair and month. Detectors of
cross-institution patterns then run on that graph on the driver
(:func:`detect_across`).

The reduction is SQL text shared by both engines (:data:`HOLDERS_SQL`,
:data:`KEPT_SQL`, :data:`NODES_SQL`, :data:`EDGES_SQL`): DuckDB runs it in the
``local`` engine (:func:`reduce_local`), Spark SQL in the ``spark`` engine
(:func:`graphs.engines.spark.reduce_spark`). Amounts are summed as integer
cents, so both engines give the same sums whatever the order of addition, and
the same reduced graph (:func:`reduced_graph`).

Views the SQL reads: ``transfers`` (the store's committed rows available at
``as_of``, complete months only, with the partition columns ``institution``
and ``month``), ``parts`` (institution, pkey), ``register`` (account_no,
holder_name, holder_id: organisation accounts) and ``known`` (holder: keys of
the institutions, registry firms and registry persons).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping

import networkx as nx

from graphs.detectors._common import defaults, merged
from monitor.findings import Detector, Evidence, EvidenceAccount, EvidenceEdge, FindingResult, Param

# Phase-2 detectors (finding detector and kind) and their parameters.
PARAMS: dict[str, dict[str, Param]] = {
    "cross_platform_borrowing": {
        "window": Param(6, "months", "months examined (complete months up to as_of)"),
        "min_platforms": Param(2, "count", "institutions lending to the holder in the window, in two partitions or more"),
        "min_amount": Param(10_000.0, "元", "lent by each of those institutions over the window"),
        "person_cap": Param(1_000_000.0, "元", "a person's outstanding over all platforms (interim measures art. 17)"),
        "company_cap": Param(5_000_000.0, "元", "a firm's outstanding over all platforms"),
        "high_platforms": Param(4, "count", "platforms of a borrower over the cap for severity high"),
    },
    "cross_round_tripping": {
        "window": Param(3, "months", "months examined"),
        "max_length": Param(5, "count", "longest cycle searched (holders)"),
        "min_length": Param(3, "count", "shortest cycle that counts (holders)"),
        "min_amount": Param(50_000.0, "元", "each edge of a cycle, summed over the window"),
        "min_conservation": Param(0.5, "share", "each edge of a cycle / the cycle's largest edge"),
        "min_partitions": Param(2, "count", "partitions the cycle's holders were seen in"),
        "max_cycles": Param(20_000, "count", "cycles enumerated at most"),
    },
}
DEFAULTS: dict[str, dict[str, Any]] = {name: defaults(params) for name, params in PARAMS.items()}
ACROSS = tuple(PARAMS)


def _not_per_partition(inputs, params=None, as_of=None):
    raise TypeError("phase-2 detectors run on the reduced graph: graphs.across.detect_across")


# Their records name the kinds for people (monitor.vocab.pattern_names); the weight is the index's
# default weight for kinds without one of their own.
RECORDS: dict[str, Detector] = {
    "cross_platform_borrowing": Detector(
        name="cross_platform_borrowing", zh="多头借贷（跨平台借款）", en="borrowing on several platforms",
        source="flows", weight=1.0, params=PARAMS["cross_platform_borrowing"], detect=_not_per_partition),
    "cross_round_tripping": Detector(
        name="cross_round_tripping", zh="跨机构资金循环", en="round-tripping across institutions",
        source="flows", weight=1.0, params=PARAMS["cross_round_tripping"], detect=_not_per_partition),
}


def _holder(side: str, reg: str) -> str:
    """SQL of a row side's holder key (the account register first, then the row's columns)."""
    ident, name, account = f"t.{side}_id", f"t.{side}_name", f"t.{side}_account"
    return (f"CASE WHEN {reg}.holder_id IS NOT NULL AND TRIM({reg}.holder_id) <> '' "
            f"THEN CONCAT('id:', UPPER(TRIM({reg}.holder_id))) "
            f"WHEN {ident} IS NOT NULL AND TRIM({ident}) <> '' AND {ident} NOT LIKE '%*%' "
            f"THEN CONCAT('id:', UPPER(TRIM({ident}))) "
            # A masked ID (110101********1234) is shared by many people: the name goes with it.
            f"WHEN {ident} IS NOT NULL AND TRIM({ident}) <> '' "
            f"THEN CONCAT('id:', UPPER(TRIM({ident})), '|', COALESCE(TRIM({name}), '')) "
            f"WHEN {name} IS NOT NULL AND TRIM({name}) <> '' THEN CONCAT('name:', TRIM({name})) "
            f"ELSE CONCAT('account:', {account}) END")


# One row per transfer with both holders, its partition and its amount in cents.
ROWS_SQL = f"""
SELECT t.institution, p.pkey, t.txn_id, t.month AS period, t.txn_time, t.purpose,
       CAST(ROUND(t.amount * 100) AS BIGINT) AS cents,
       t.payer_account, t.payee_account,
       {_holder('payer', 'rp')} AS payer_h, {_holder('payee', 'rq')} AS payee_h,
       COALESCE(rp.holder_name, t.payer_name) AS payer_name, COALESCE(rp.holder_id, t.payer_id) AS payer_id,
       COALESCE(rq.holder_name, t.payee_name) AS payee_name, COALESCE(rq.holder_id, t.payee_id) AS payee_id,
       CASE WHEN rp.account_no IS NULL THEN 0 ELSE 1 END AS payer_org,
       CASE WHEN rq.account_no IS NULL THEN 0 ELSE 1 END AS payee_org
FROM transfers t
JOIN parts p ON p.institution = t.institution
LEFT JOIN register rp ON rp.account_no = t.payer_account
LEFT JOIN register rq ON rq.account_no = t.payee_account
"""

# Per holder and institution: where it was seen (one scan of the rows).
HOLDERS_SQL = """
SELECT holder, institution, MIN(pkey) AS pkey, MIN(name) AS name, MIN(ident) AS ident,
       MIN(account) AS account, COUNT(DISTINCT account) AS accounts, COUNT(*) AS sides, MAX(org) AS org
FROM (SELECT payer_h AS holder, institution, pkey, payer_name AS name, payer_id AS ident,
             payer_account AS account, payer_org AS org FROM reduced_rows
      UNION ALL
      SELECT payee_h, institution, pkey, payee_name, payee_id, payee_account, payee_org FROM reduced_rows) s
GROUP BY holder, institution
"""

# Holders kept: organisations, known parties, and holders seen in two or more partitions.
KEPT_SQL = """
SELECT h.holder FROM holders h LEFT JOIN known k ON k.holder = h.holder
GROUP BY h.holder
HAVING COUNT(DISTINCT h.pkey) >= 2 OR MAX(h.org) = 1 OR MAX(CASE WHEN k.holder IS NULL THEN 0 ELSE 1 END) = 1
"""

NODES_SQL = """
SELECT h.holder, h.institution, h.pkey, h.name, h.ident, h.account, h.accounts, h.sides
FROM holders h JOIN kept k ON k.holder = h.holder
"""

# Transfers between kept holders, once per transaction (the first institution's statement, as
# TransferStore.aggregate_edges counts a transfer two statements hold), summed per holder pair,
# month, institution and purpose label.
EDGES_SQL = """
SELECT payer_h, payee_h, period, institution, purpose, SUM(cents) AS cents, COUNT(*) AS count,
       MIN(txn_time) AS first_time, MAX(txn_time) AS last_time
FROM (SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.txn_id ORDER BY r.institution) AS k
      FROM reduced_rows r
      JOIN kept a ON a.holder = r.payer_h
      JOIN kept b ON b.holder = r.payee_h) d
WHERE k = 1
GROUP BY payer_h, payee_h, period, institution, purpose
"""


def known_holders(graph: nx.MultiDiGraph | None, institutions: Iterable[str]) -> list[str]:
    """Holder keys of the institutions and of the registry's firms and persons (sorted)."""
    out = {f"id:{u.upper()}" for u in institutions}
    for _node, d in (graph.nodes(data=True) if graph is not None else ()):
        if d.get("uscc"):
            out.add(f"id:{d['uscc'].upper()}")
        if d.get("kind") == "person" and d.get("id_key") and "*" not in d["id_key"]:
            out.add(f"id:{d['id_key'].upper()}")
        if d.get("name"):
            out.add(f"name:{d['name'].strip()}")
    return sorted(out)


def visible_until(as_of: datetime) -> tuple[datetime, str]:
    """``(as_of in naive CST, running month YYYY-MM)``: rows available by then, complete months only."""
    from monitor.transfers import to_cst

    local = to_cst(as_of)
    return local.replace(tzinfo=None), f"{local.year:04d}-{local.month:02d}"


def reduce_local(config, as_of: datetime, keys: Mapping[str, str], graph: nx.MultiDiGraph | None = None,
                 institutions: Iterable[str] | None = None):
    """``(nodes, edges)`` Arrow tables of the reduced graph, by DuckDB over the committed files.

    ``keys``: USCC → partition key (:func:`graphs.run.partition_keys`). ``None`` when no
    committed file matches.
    """
    import duckdb

    from monitor.transfers import TransferStore, month_of

    store = TransferStore(config)
    until, current = visible_until(as_of)
    files = store.files(institutions, last_month=month_of(until - timedelta(days=1)))
    if not files:
        return None
    con = duckdb.connect()
    try:
        file_list = "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"
        con.execute(f"CREATE TEMP VIEW transfers AS SELECT * FROM read_parquet({file_list}, hive_partitioning=true, "
                    f"hive_types={{'institution': VARCHAR, 'month': VARCHAR}}) "
                    f"WHERE available_at <= TIMESTAMP '{until.isoformat(sep=' ')}' AND month < '{current}'")
        tables = inputs_tables(config, keys, graph)
        for name, table in tables.items():
            con.register(name, table)
        con.execute(f"CREATE TEMP VIEW reduced_rows AS {ROWS_SQL}")
        con.execute(f"CREATE TEMP TABLE holders AS {HOLDERS_SQL}")
        con.execute(f"CREATE TEMP TABLE kept AS {KEPT_SQL}")
        return _arrow(con.sql(NODES_SQL)), _arrow(con.sql(EDGES_SQL))
    finally:
        con.close()


def _arrow(relation):
    fetch = getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table
    return fetch()


def inputs_tables(config, keys: Mapping[str, str], graph: nx.MultiDiGraph | None) -> dict[str, Any]:
    """The small views of the reduction as Arrow tables: ``parts``, ``register``, ``known``."""
    import pyarrow as pa
    from sqlalchemy import text

    from monitor.db import get_engine

    with get_engine(config).connect() as conn:
        # Organisation accounts only: person accounts an older store may hold are never read.
        reg = conn.execute(text("SELECT account_no, holder_name, holder_id_no FROM account "
                                "WHERE COALESCE(holder_kind, '') <> 'person' ORDER BY account_no")).all()
    items = sorted(keys.items())
    return {
        "parts": pa.table({"institution": pa.array([u for u, _ in items], pa.string()),
                           "pkey": pa.array([k for _, k in items], pa.string())}),
        "register": pa.table({"account_no": pa.array([r[0] for r in reg], pa.string()),
                              "holder_name": pa.array([r[1] for r in reg], pa.string()),
                              "holder_id": pa.array([r[2] for r in reg], pa.string())}),
        "known": pa.table({"holder": pa.array(known_holders(graph, keys), pa.string())}),
    }


def reduced_graph(nodes, edges, keys: Mapping[str, str]) -> nx.MultiDiGraph:
    """The reduced holder graph from the reduction's ``nodes`` and ``edges`` tables (pure).

    Parameters
    ----------
    nodes : pyarrow.Table
        Rows of :data:`NODES_SQL` (one per holder and institution).
    edges : pyarrow.Table
        Rows of :data:`EDGES_SQL` (one per holder pair, month, institution and purpose).
    keys : mapping
        USCC → partition key; a holder whose ID is one of these USCCs is that institution
        (node attribute ``platform``).

    Returns
    -------
    networkx.MultiDiGraph
        Nodes: holder keys with ``name``, ``holder_id``, ``accounts`` (institution → an account
        number), ``institutions`` and ``partitions`` (sorted tuples), ``platform`` (USCC or
        ``None``) and its ``pkey``. Edges keyed by month (``YYYY-MM``): ``amount`` (元), ``count``, ``first``,
        ``last`` (ISO), ``purposes`` and ``institutions`` (sorted tuples).

    Examples
    --------
    >>> import pyarrow as pa
    >>> from datetime import datetime
    >>> n = pa.table({"holder": ["id:A", "id:P"], "institution": ["A", "A"], "pkey": ["A", "A"],
    ...               "name": ["甲", "乙"], "ident": ["A", "P"], "account": ["1", "2"]})
    >>> e = pa.table({"payer_h": ["id:A"], "payee_h": ["id:P"], "period": ["2018-01"], "institution": ["A"],
    ...               "purpose": ["放款"], "cents": [150], "count": [1],
    ...               "first_time": [datetime(2018, 1, 2)], "last_time": [datetime(2018, 1, 2)]})
    >>> G = reduced_graph(n, e, {"A": "A"})
    >>> G["id:A"]["id:P"]["2018-01"]["amount"], G.nodes["id:A"]["platform"]
    (1.5, 'A')

    Notes
    -----
    O(N + E log E) for N node rows and E edge rows; the rows are sorted first, so the graph
    (node and edge order included) does not depend on the order the engine returned them in.
    """
    G = nx.MultiDiGraph()
    by_holder: dict[str, dict[str, Any]] = {}
    rows = sorted(nodes.select(["holder", "institution", "pkey", "name", "ident", "account"]).to_pylist(),
                  key=lambda r: (r["holder"], r["institution"]))
    platforms = {f"id:{u.upper()}": u for u in keys}
    for r in rows:
        d = by_holder.setdefault(r["holder"], {"name": r["name"], "holder_id": r["ident"], "accounts": {},
                                               "institutions": set(), "partitions": set(),
                                               "platform": platforms.get(r["holder"]),
                                               "pkey": keys.get(platforms.get(r["holder"], ""))})
        d["accounts"][r["institution"]] = r["account"]
        d["institutions"].add(r["institution"])
        d["partitions"].add(r["pkey"])
    for holder, d in by_holder.items():
        G.add_node(holder, **{**d, "institutions": tuple(sorted(d["institutions"])),
                              "partitions": tuple(sorted(d["partitions"]))})
    merged: dict[tuple[str, str, str], list] = {}
    for r in sorted(edges.to_pylist(), key=lambda r: (r["payer_h"], r["payee_h"], r["period"], r["institution"],
                                                      r["purpose"] or "")):
        m = merged.setdefault((r["payer_h"], r["payee_h"], r["period"]), [0, 0, None, None, set(), set()])
        m[0] += int(r["cents"])
        m[1] += int(r["count"])
        first, last = r["first_time"].isoformat(), r["last_time"].isoformat()
        m[2] = first if m[2] is None else min(m[2], first)
        m[3] = last if m[3] is None else max(m[3], last)
        if r["purpose"]:
            m[4].add(r["purpose"])
        m[5].add(r["institution"])
    for (u, v, period), (cents, count, first, last, purposes, insts) in merged.items():
        G.add_edge(u, v, key=period, amount=cents / 100, count=count, first=first, last=last,
                   purposes=tuple(sorted(purposes)), institutions=tuple(sorted(insts)))
    return G


def detect_across(reduced: nx.MultiDiGraph, params: Mapping[str, Mapping[str, Any]] | None = None,
                  as_of: datetime | None = None) -> list[FindingResult]:
    """Cross-institution patterns on the reduced holder graph (pure; ``reduced`` is not modified).

    Parameters
    ----------
    reduced : networkx.MultiDiGraph
        As :func:`reduced_graph` builds it.
    params : mapping, optional
        Phase-2 detector name (:data:`ACROSS`) → overrides of its :data:`DEFAULTS` (other names
        are ignored: the sweep passes one mapping for both phases).
    as_of : datetime, optional
        Only months before ``as_of``'s month are examined (the reduced graph holds complete months).

    Returns
    -------
    list of FindingResult
        ``cross_platform_borrowing``, per institution: its borrowers that borrow from
        ``min_platforms`` or more institutions of different partitions in the window (多头借贷;
        low; medium when one is over the cross-platform caps of the 2016 interim measures,
        art. 17 — 1,000,000 元 for a person, 5,000,000 元 for a firm, outstanding over all
        platforms —, high when such a one also borrows on ``high_platforms`` or more). ``cross_round_tripping``:
        cycles among holders other than the institutions whose edges come from the statements
        of ``min_partitions`` or more partitions (:func:`graphs.detectors.round_tripping.cycles`).
        A pattern gives one finding per institution involved, each naming all of them
        (``metrics.institutions``); sorted by institution, detector and key.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from datetime import datetime, timezone
    >>> e = pa.table({"payer_h": ["id:A", "id:B"], "payee_h": ["id:X", "id:X"], "period": ["2018-01"] * 2,
    ...               "institution": ["A", "B"], "purpose": ["放款"] * 2, "cents": [5_000_000] * 2, "count": [1, 1],
    ...               "first_time": [datetime(2018, 1, 2)] * 2, "last_time": [datetime(2018, 1, 2)] * 2})
    >>> n = pa.table({"holder": ["id:A", "id:B", "id:X", "id:X"], "institution": ["A", "B", "A", "B"],
    ...               "pkey": ["A", "B", "A", "B"], "name": ["甲", "乙", "张三", "张三"],
    ...               "ident": ["A", "B", "X", "X"], "account": ["1", "2", "9", "9"]})
    >>> G = reduced_graph(n, e, {"A": "A", "B": "B"})
    >>> found = detect_across(G, as_of=datetime(2018, 3, 1, tzinfo=timezone.utc))
    >>> [(f.institution_uscc, f.kind, f.evidence.metrics["institutions"]) for f in found]
    [('A', 'cross_platform_borrowing', ['A', 'B']), ('B', 'cross_platform_borrowing', ['A', 'B'])]

    Notes
    -----
    Borrowing: O(E) over the edges into holders. Round trips: the window's edges summed per
    holder pair (O(E)), then bounded cycle enumeration as in round_tripping,
    O((V + E)(C + 1)) for C cycles, at most ``max_cycles``.
    """
    params = params or {}  # phase-1 detectors' overrides may be there too: not read here
    periods = _periods(reduced, as_of)
    out = (_borrowing(reduced, merged(DEFAULTS["cross_platform_borrowing"], params.get("cross_platform_borrowing")),
                      periods)
           + _round_trips(reduced, merged(DEFAULTS["cross_round_tripping"], params.get("cross_round_tripping")),
                          periods))
    return sorted(out, key=lambda f: (f.institution_uscc or "", f.detector, f.key))


def _periods(G: nx.MultiDiGraph, as_of: datetime | None) -> list[str]:
    current = None
    if as_of is not None:
        _, current = visible_until(as_of)
    return sorted({k for _u, _v, k in G.edges(keys=True) if current is None or k < current})


def _code(purposes: Iterable[str]) -> set[str]:
    from graphs.platform import purpose_code

    return {c for c in map(purpose_code, purposes) if c}


def _borrowing(G: nx.MultiDiGraph, p: dict, periods: list[str]) -> list[FindingResult]:
    if not periods:
        return []
    window = set(periods[-int(p["window"]):])
    by_inst: dict[str, list[dict]] = defaultdict(list)  # institution → its borrowers that borrow elsewhere too
    for holder in G.nodes:
        case = _borrower(G, holder, p, window, periods[-1])
        if case is not None:
            for uscc in case["institutions"]:
                by_inst[uscc].append(case)
    order = ("low", "medium", "high")
    out = []
    start, end = min(window), max(window)
    for uscc, cases in sorted(by_inst.items()):
        cases.sort(key=lambda c: (-order.index(c["severity"]), -c["outstanding"], c["holder"]))
        insts = sorted(set().union(*(c["institutions"] for c in cases)))
        accounts, edges = [], []
        for c in cases[:20]:
            accounts.append(c["account"])
            edges.extend(c["edges"])
        over = sum(c["severity"] != "low" for c in cases)
        evidence = Evidence(accounts=accounts, edges=edges, window_start=f"{start}-01", window_end=_month_end(end),
                            metrics={"institutions": insts, "borrowers": len(cases), "violators": over,
                                     "loans": round(sum(c["lent"][uscc] for c in cases), 2)},
                            note="借款人同时在其他平台借款（多头借贷）；超过跨平台借款余额上限的另计")
        title = (f"多头借贷：{len(cases)}名借款人同时在其他{len(insts) - 1}家平台借款"
                 + (f"，其中{over}名超过跨平台借款余额上限" if over else ""))
        out.append(_finding("cross_platform_borrowing", uscc, cases[0]["severity"], title, evidence, "borrowers"))
    return out


def _borrower(G: nx.MultiDiGraph, holder: str, p: dict, window: set[str], last: str) -> dict | None:
    """What ``holder`` borrowed from the institutions in the window, or ``None`` below the bounds."""
    from graphs.detectors._borrowers import holder_kind

    d = G.nodes[holder]
    if d["platform"] or len(d["partitions"]) < 2:
        return None
    owed: dict[str, float] = defaultdict(float)  # platform node → lent − repaid, all months
    lent: dict[str, list] = {}  # platform node → [元, transfers, first, last] lent in the window
    for src, _dst, period, e in G.in_edges(holder, keys=True, data=True):
        if not G.nodes[src]["platform"] or period > last or "disburse" not in _code(e["purposes"]):
            continue
        owed[src] += e["amount"]
        if period in window:
            a = lent.setdefault(src, [0.0, 0, e["first"], e["last"]])
            a[0] += e["amount"]
            a[1] += e["count"]
            a[2], a[3] = min(a[2], e["first"]), max(a[3], e["last"])
    for _src, dst, period, e in G.out_edges(holder, keys=True, data=True):
        if dst in owed and period <= last and "repay" in _code(e["purposes"]):
            owed[dst] -= e["amount"]
    lenders = sorted(n for n, a in lent.items() if a[0] >= p["min_amount"])
    if len(lenders) < p["min_platforms"] or len({G.nodes[n]["pkey"] for n in lenders}) < 2:
        return None
    outstanding = sum(max(0.0, owed[n]) for n in lenders)
    cap = p["company_cap"] if holder_kind({"holder_id": d["holder_id"]}) == "company" else p["person_cap"]
    # Borrowing on several platforms is a watch item; over the cross-platform cap it breaks the rules.
    over = outstanding > cap
    account = next(iter(sorted(d["accounts"].values())))
    edges = []
    for n in lenders:
        node = G.nodes[n]
        src = node["accounts"].get(node["platform"]) or next(iter(sorted(node["accounts"].values())))
        a = lent[n]
        edges.append(EvidenceEdge(src, account, round(a[0], 2), a[1], a[2], a[3], "transfer"))
    return {"holder": holder, "institutions": [G.nodes[n]["platform"] for n in lenders],
            "lent": {G.nodes[n]["platform"]: lent[n][0] for n in lenders}, "outstanding": outstanding,
            "severity": "high" if over and len(lenders) >= p["high_platforms"] else "medium" if over else "low",
            "account": EvidenceAccount(account, d["name"], d["holder_id"], "borrower"), "edges": edges}


def _round_trips(G: nx.MultiDiGraph, p: dict, periods: list[str]) -> list[FindingResult]:
    from graphs.detectors import round_tripping
    from graphs.flows import FlowEdge

    if not periods:
        return []
    window = set(periods[-int(p["window"]):])
    inst_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    flow = []
    # Institutions are left out: a lender investing on one platform and paid out by another is
    # how lending works, not a round trip.
    for u, v, period, e in sorted(G.edges(keys=True, data=True), key=lambda x: (x[0], x[1], x[2])):
        if period not in window or u == v or G.nodes[u]["platform"] or G.nodes[v]["platform"]:
            continue
        flow.append(FlowEdge(u, v, period, e["amount"], e["count"], e["first"], e["last"]))
        inst_of[(u, v)].update(e["institutions"])
    if not flow:
        return []
    rp = {k: p[k] for k in ("max_length", "min_length", "min_amount", "min_conservation", "max_cycles")}
    H = round_tripping.strong_pairs(flow, rp["min_amount"])
    out: list[FindingResult] = []
    parts_of = {n: G.nodes[n]["partitions"] for n in G.nodes}
    seen = set()
    for cycle in round_tripping.cycles(H, rp):
        cycle = round_tripping.sorted_cycle(cycle)
        if tuple(cycle) in seen:
            continue
        seen.add(tuple(cycle))
        pairs = list(zip(cycle, cycle[1:] + cycle[:1]))
        insts = sorted(set().union(*(inst_of[pair] for pair in pairs)))
        parts = sorted(set().union(*(parts_of[n] for n in cycle)))
        if len(parts) < p["min_partitions"]:
            continue
        accounts = [EvidenceAccount(next(iter(sorted(G.nodes[n]["accounts"].values()))), G.nodes[n]["name"],
                                    G.nodes[n]["holder_id"], "cycle") for n in cycle]
        acc = {n: a.account_no for n, a in zip(cycle, accounts)}
        ev_edges = [EvidenceEdge(acc[u], acc[v], round(H[u][v]["amount"], 2), H[u][v]["count"], H[u][v]["first"],
                                 H[u][v]["last"], "transfer") for u, v in pairs]
        start, end = min(window), max(window)
        evidence = Evidence(accounts=accounts, edges=ev_edges, window_start=f"{start}-01", window_end=_month_end(end),
                            paths=[list(cycle) + [cycle[0]]],
                            metrics={"institutions": insts, "cycles": 1},
                            note="资金经多个机构的账户循环回流")
        title = f"跨机构资金循环：{len(cycle)}个账户持有人、{len(insts)}家机构的流水"
        key = "cycle:" + ">".join(cycle)
        out.extend(_finding("cross_round_tripping", uscc, "medium", title, evidence, key) for uscc in insts)
    return out


def _finding(name: str, uscc: str, severity: str, title: str, evidence: Evidence, key: str) -> FindingResult:
    from graphs.detectors._common import finding

    return finding(name, name, uscc, severity, title, evidence, key=key)


def _month_end(period: str) -> str:
    from graphs.detectors._common import month_end

    return month_end(period)
