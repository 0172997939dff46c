"""Graph explorer: related-party and fund-flow neighbourhoods of an institution as Cytoscape JSON."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import shutil
import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import networkx as nx
import pyarrow as pa
import pyarrow.compute as pc
from flask import Blueprint, abort, current_app, jsonify, render_template, request
from sqlalchemy import and_, or_
from sqlmodel import select

from graphs.flows import flow_neighbourhood, flow_tables
from graphs.platform import likely_custody
from graphs.registry import institution_key, neighbourhood, related_party_graph
from monitor.formatting import money
from monitor.models import Account, Company, Institution, Person, Relation
from monitor.portal.common import RELATION_LABELS, db, locale_name, masker, monitor_config, scope
from monitor.text import guess_holder_kind

bp = Blueprint("graph", __name__)
MAX_HOPS_FROM_ROOT = 4  # expansion stays near the institution the user may see
MAX_EDGES_PER_NODE = 25  # the biggest flows of a node; the rest is counted, not drawn
LABELLED_FLOWS = 12  # flows drawn with their amount (the biggest, besides the finding's); the rest on hover


def _touching(kind: str, ids: set[int]):
    """Relations with a ``kind`` party among ``ids`` on either side."""
    ids = sorted(ids)
    return or_(and_(Relation.subject_kind == kind, Relation.subject_id.in_(ids)),
               and_(Relation.object_kind == kind, Relation.object_id.in_(ids)))


def related_graph(session, inst: Institution, hops: int = MAX_HOPS_FROM_ROOT + 1) -> nx.MultiDiGraph:
    """The related-party graph around ``inst``: every relation of the parties within ``hops`` of it.

    The same nodes and edges as the city's graph (:func:`graphs.registry.related_party_graph`) for
    everything within ``hops`` (edge direction ignored), read with one query per hop instead of the
    whole registry. Parties reached over ``hops`` are read so that every edge among the parties at
    ``hops`` is present, as in the whole graph.
    """
    root_company = session.exec(select(Company).where(Company.uscc == inst.uscc)).first() if inst.uscc else None
    companies: dict[int, Company] = {root_company.id: root_company} if root_company else {}
    persons: dict[int, Person] = {}
    relations: dict[int, Relation] = {}
    frontier = {"company": set(companies), "person": set()}
    for _ in range(hops + 1):
        conditions = [_touching(k, ids) for k, ids in frontier.items() if ids]
        if not conditions:
            break
        found = {"company": set(), "person": set()}
        for r in session.exec(select(Relation).where(or_(*conditions))):
            if r.id in relations:
                continue
            relations[r.id] = r
            for kind, pid in ((r.subject_kind, r.subject_id), (r.object_kind, r.object_id)):
                if kind in found:
                    found[kind].add(pid)
        found["company"] -= companies.keys()
        found["person"] -= persons.keys()
        if found["company"]:
            companies.update((c.id, c) for c in session.exec(select(Company).where(Company.id.in_(sorted(found["company"])))))
        if found["person"]:
            persons.update((p.id, p) for p in session.exec(select(Person).where(Person.id.in_(sorted(found["person"])))))
        frontier = found
    usccs = sorted({c.uscc for c in companies.values() if c.uscc} | {inst.uscc})
    institutions = session.exec(select(Institution.uscc, Institution.name).where(Institution.uscc.in_(usccs))).all()
    # In id order, as the whole graph is built, so nodes and edges come out in the same order.
    return related_party_graph(sorted(companies.values(), key=lambda c: c.id),
                               sorted(persons.values(), key=lambda p: p.id),
                               sorted(relations.values(), key=lambda r: r.id),
                               [{"uscc": u, "name": n} for u, n in institutions])


def node_exists(session, key: str) -> bool:
    """Whether ``key`` names a node of the city's related-party graph."""
    kind, _, ident = key.partition(":")
    if kind == "institution":
        return session.exec(select(Institution.id).where(Institution.uscc == ident)).first() is not None
    model = {"company": Company, "person": Person}.get(kind)
    if model is None or not ident.isdigit():
        return False
    return session.get(model, int(ident)) is not None


def related_json(G: nx.MultiDiGraph, root: str, node: str, visible_usccs: set[str]) -> dict:
    """Cytoscape elements of ``node``'s 1-hop neighbourhood; institutions outside the scope are masked."""
    if node not in G:
        return {"nodes": [], "edges": []}
    hops = nx.single_source_shortest_path_length(G.to_undirected(as_view=True), root, cutoff=MAX_HOPS_FROM_ROOT)
    if node not in hops:
        abort(404)
    sub = neighbourhood(G, node, k=1)
    nodes, edges = [], []
    for key, data in sub.nodes(data=True):
        hidden = data.get("kind") == "institution" and data.get("uscc") not in visible_usccs
        nodes.append({"data": {"id": key, "label": "(out of scope)" if hidden else data.get("name") or key,
                               "kind": data.get("kind"), "root": key == root,
                               "expandable": not hidden and key in hops and hops[key] < MAX_HOPS_FROM_ROOT}})
    for src, dst, kind, data in sub.edges(keys=True, data=True):
        share = data.get("share")
        text = str(RELATION_LABELS.get(kind, kind)) + (f" {share:.0%}" if share else "") + (f" {data['role']}" if data.get("role") else "")
        edges.append({"data": {"id": f"{src}|{dst}|{kind}", "source": src, "target": dst, "kind": kind,
                               "label": text, "amount": data.get("amount"),
                               "since": str(data.get("valid_from") or "")}})
    return {"nodes": nodes, "edges": edges}


def flow_json(G: nx.DiGraph, node: str, accounts: dict, highlight: set[str], limit: int = MAX_EDGES_PER_NODE,
              custody: str | None = None) -> dict:
    """Cytoscape elements of an account's biggest in- and outflows (plus flows among highlighted accounts);
    ``custody`` (or an account ``accounts`` marks ``is_custody``) is drawn as the custody account."""
    if node not in G:
        return {"nodes": [], "edges": [], "hidden": 0}
    around = [(u, v, d) for u, v, d in G.in_edges(node, data=True)] + \
             [(u, v, d) for u, v, d in G.out_edges(node, data=True)]
    around.sort(key=lambda e: -e[2]["amount"])
    chosen = around[:limit]
    # Flows among highlighted accounts are drawn even when smaller (a loop is in both lists of ``around``: once).
    for u, v, d in around[limit:]:
        if u in highlight and v in highlight and (u != v or (u, v, d) not in chosen):
            chosen.append((u, v, d))
    keep = {node} | {u for u, _, _ in chosen} | {v for _, v, _ in chosen}
    nodes = []
    for acc in keep:
        # The registry knows organisations' accounts; anyone else's holder is as the transfers give it.
        info = {**{k: v for k, v in G.nodes[acc].items() if v}, **{k: v for k, v in accounts.get(acc, {}).items() if v}}
        name = info.get("holder_name") or acc
        kind = info.get("holder_kind") or guess_holder_kind(info.get("holder_id")) or "account"
        nodes.append({"data": {"id": acc, "label": name if len(name) <= 14 else name[:13] + "…", "holder": name,
                               "kind": "custody" if info.get("is_custody") or acc == custody else kind,
                               "highlight": acc in highlight, "expandable": True}})
    edges = [{"data": {"id": f"{u}>{v}", "source": u, "target": v, "amount": d["amount"], "count": d["count"],
                       "first": d["first"][:10], "last": d["last"][:10],
                       "highlight": u in highlight and v in highlight}} for u, v, d in chosen]
    # A graph of only the flows drawn (graphs.flows.flow_neighbourhood) knows how many the account has.
    total = G.graph.get("flows", {}).get(node, len(around))
    return {"nodes": nodes, "edges": edges, "hidden": max(0, total - limit)}


def account_token(account: str) -> str:
    """The name a masked account goes by in the explorer: stable, opaque, never the number."""
    key = current_app.config["SECRET_KEY"].encode()
    return "m:" + hmac.new(key, account.encode(), hashlib.sha256).hexdigest()[:20]


def masked_flows(data: dict, G: nx.DiGraph) -> dict:
    """``data`` for the viewer: personal accounts renamed by :func:`account_token`, every text masked."""
    m = masker()
    if m.full:
        return m.data(data)
    names = {n["data"]["id"]: n["data"]["id"] for n in data["nodes"]}
    m.learn(names)
    for acc in names:
        if m(acc) != acc:
            names[acc] = account_token(acc)
    for n in data["nodes"]:
        n["data"]["id"] = names[n["data"]["id"]]
    for e in data["edges"]:
        d = e["data"]
        d["source"], d["target"] = names.get(d["source"], d["source"]), names.get(d["target"], d["target"])
        d["id"] = f"{d['source']}>{d['target']}"
    return m.data(data)


# Masked names of a flow table's accounts (token -> account), computed once per table and secret key.
_TOKENS: OrderedDict[tuple, tuple[str, dict]] = OrderedDict()


def _unmask_node(node: str | None, tables: "FlowTables") -> str | None:
    """The account a masked node name (``m:...``) stands for in ``tables``, else ``node`` itself."""
    if not node or not node.startswith("m:"):
        return node
    secret = current_app.config["SECRET_KEY"]
    with _FLOW_LOCK:
        known = _TOKENS.get(tables.key)
    if known is None or known[0] != secret:
        known = (secret, {account_token(acc): acc for acc in tables.accounts.column("account").to_pylist()})
        with _FLOW_LOCK:
            _TOKENS[tables.key] = known
            while len(_TOKENS) > _FLOW_TABLES_KEPT:
                _TOKENS.popitem(last=False)
    return known[1].get(node, node)


def _accounts(session, account_nos=None) -> dict:
    q = select(Account)
    if account_nos is not None:
        q = q.where(Account.account_no.in_(sorted(account_nos)))
    return {a.account_no: {"holder_name": a.holder_name, "holder_id": a.holder_id_no, "holder_kind": a.holder_kind,
                           "is_custody": a.is_custody, "institution_id": a.institution_id} for a in session.exec(q)}


# An institution's flow tables (graphs.flows.flow_tables) are built once per change of its committed
# transfer files and kept in a file that every worker reads (Arrow IPC): a request then
# builds only the few accounts it draws (graphs.flows.flow_neighbourhood). The key names the files, so an
# ingest or a compaction gives new tables; a process keeps the last few it read.
FLOW_TABLES_FORMAT = 1  # part of the file key: a change of the tables' layout makes new files
_FLOW_TABLES: OrderedDict[tuple, "FlowTables"] = OrderedDict()
_FLOW_TABLES_KEPT = 8
_FLOW_LOCK = threading.Lock()
_BUILDING: dict[tuple, threading.Lock] = {}  # one build per key in a process; the file lock across processes


class FlowTables(NamedTuple):
    key: tuple
    flows: pa.Table
    accounts: pa.Table


def flow_cache_dir(config) -> Path:
    return config.instance_path / "cache" / "flows"


def _flow_key(store, uscc: str, files=None) -> tuple:
    files = store.files([uscc]) if files is None else files
    return (str(store.root), uscc, tuple(str(p) for p in files))


def _key_folder(config, key: tuple) -> Path:
    digest = hashlib.sha256(repr((FLOW_TABLES_FORMAT,) + key).encode()).hexdigest()[:32]
    return flow_cache_dir(config) / f"{_safe(key[1])}-{digest}"


def _safe(uscc: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "_", uscc)


@contextmanager
def _file_lock(path: Path, blocking: bool = True):
    """An exclusive lock on ``path`` across processes (yields False when not ``blocking`` and taken)."""
    try:
        import fcntl
        fh = open(path, "a+b")
    except (ImportError, OSError):  # no flock (Windows) or no lock file: each process builds for itself
        yield True
        return
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read_tables(folder: Path) -> tuple[pa.Table, pa.Table] | None:
    try:
        return tuple(pa.ipc.open_file(pa.memory_map(str(folder / f"{name}.arrow"))).read_all()
                     for name in ("flows", "accounts"))
    except (OSError, pa.ArrowInvalid):  # not there (yet), or removed as stale meanwhile
        return None


# zstd: a third of the size (the tables would outweigh the Parquet store); a process reads them once per key.
_COMPRESSED = pa.ipc.IpcWriteOptions(compression="zstd")


def build_flow_file(config, store, key: tuple) -> tuple[pa.Table, pa.Table]:
    """The flow tables of ``key`` from its file, built and written first when missing."""
    folder = _key_folder(config, key)
    found = _read_tables(folder)
    if found is not None:
        return found
    uscc = key[1]
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError:  # no writable cache (a read-only instance): build in memory
        return flow_tables(store.aggregate_edges(institution_ids=[uscc], freq="all"))
    with _file_lock(folder.parent / f"{_safe(uscc)}.lock"):
        found = _read_tables(folder)  # written by another process while this one waited
        if found is not None:
            return found
        tables = flow_tables(store.aggregate_edges(institution_ids=[uscc], freq="all"))
        tmp = folder.parent / f".{folder.name}.{os.getpid()}.{threading.get_ident()}"
        try:
            tmp.mkdir()
            for name, table in zip(("flows", "accounts"), tables):
                with pa.OSFile(str(tmp / f"{name}.arrow"), "wb") as sink, \
                        pa.ipc.new_file(sink, table.schema, options=_COMPRESSED) as out:
                    out.write_table(table)
            os.replace(tmp, folder)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            return tables
        for stale in folder.parent.glob(f"{_safe(uscc)}-*"):
            if stale != folder:
                shutil.rmtree(stale, ignore_errors=True)  # readers that mapped it keep their copy
        return tables


def _flow_tables(inst) -> FlowTables:
    """The institution's flow tables for its committed transfer files (read-only: shared between requests)."""
    from monitor.transfers import TransferStore

    config = monitor_config()
    store = TransferStore(config)
    key = _flow_key(store, inst.uscc)
    with _FLOW_LOCK:
        if key in _FLOW_TABLES:
            _FLOW_TABLES.move_to_end(key)
            return _FLOW_TABLES[key]
        building = _BUILDING.setdefault(key, threading.Lock())
    with building:
        with _FLOW_LOCK:
            if key in _FLOW_TABLES:  # read while this request waited
                return _FLOW_TABLES[key]
        try:
            tables = FlowTables(key, *build_flow_file(config, store, key))
            with _FLOW_LOCK:
                _FLOW_TABLES[key] = tables
                while len(_FLOW_TABLES) > _FLOW_TABLES_KEPT:
                    _FLOW_TABLES.popitem(last=False)
        finally:
            with _FLOW_LOCK:
                _BUILDING.pop(key, None)
    return tables


def warm_flow_files(config) -> int:
    """Build the flow files missing for the committed transfers of every institution; returns how many.

    Run by one portal process at a time (a file lock); the others skip it.
    """
    from monitor.transfers import TransferStore

    store = TransferStore(config)
    try:
        flow_cache_dir(config).mkdir(parents=True, exist_ok=True)
    except OSError:
        return 0
    built = 0
    with _file_lock(flow_cache_dir(config) / "warming.lock", blocking=False) as mine:
        if not mine:
            return 0
        by_institution: dict[str, list] = {}
        for path in store.files():
            by_institution.setdefault(path.parent.parent.name.split("=", 1)[1], []).append(path)
        for uscc, files in sorted(by_institution.items()):
            key = _flow_key(store, uscc, files)
            if not (_key_folder(config, key) / "accounts.arrow").exists():
                build_flow_file(config, store, key)
                built += 1
    return built


def prepare_flow_reads() -> None:
    """Load what a flow request uses the first time (the transfer store, Arrow's conversions and kernels,
    ~0.3 s of imports): run by a worker as it starts rather than by its first request."""
    from datetime import datetime

    import monitor.transfers  # noqa: F401

    when = datetime(2018, 1, 1)
    table = pa.Table.from_pylist([{"payer_account": "1", "payee_account": "2", "amount": 1.0, "count": 1,
                                   "first_time": when, "last_time": when, "purposes": ["x"], "payer_name": "a",
                                   "payee_name": None, "payer_id": None, "payee_id": "b"}])
    flows, accounts = flow_tables(table)
    tables = FlowTables((), flows, accounts)
    _present(tables, ["1", "3"])
    flow_json(flow_neighbourhood(flows, accounts, {"1": 2}, {"1", "2"}), "1", {}, {"1"})


def _present(tables: FlowTables, accounts) -> set[str]:
    """Those of ``accounts`` that have flows in ``tables``."""
    wanted = pa.array(sorted(set(accounts)), pa.string())
    known = tables.accounts.column("account")
    return set(wanted.filter(pc.is_in(wanted, value_set=known)).to_pylist()) if len(wanted) else set()


@bp.route("/graph/<int:inst_id>")
def explorer(inst_id: int):
    sc = scope()
    inst = sc.institution(inst_id)
    finding = sc.finding(request.args.get("finding", type=int)) if request.args.get("finding") else None
    if finding is not None and finding.institution_id != inst.id:
        abort(404)
    return render_template("portal/graph.html", inst=inst, finding=finding, labelled_flows=LABELLED_FLOWS)


@bp.route("/graph/<int:inst_id>/related.json")
def related(inst_id: int):
    sc = scope()
    inst = sc.institution(inst_id)
    root = institution_key(inst.uscc)
    node = request.args.get("node") or root
    G = related_graph(db(), inst)
    if node not in G and node_exists(db(), node):
        abort(404)  # further from the institution than the explorer reaches
    visible = set(db().exec(select(Institution.uscc).where(Institution.jurisdiction_id.in_(sc.jurisdiction_ids))))
    return jsonify(masker().data(related_json(G, root, node, visible)))


@bp.route("/graph/<int:inst_id>/flows.json")
def flows(inst_id: int):
    sc = scope()
    inst = sc.institution(inst_id)
    highlight: set[str] = set()
    if request.args.get("finding"):
        finding = sc.finding(request.args.get("finding", type=int))
        if finding.institution_id != inst.id:
            abort(404)
        highlight = {a.get("account_no") for a in finding.evidence.get("accounts", []) if a.get("account_no")}
    tables = _flow_tables(inst)
    own_accounts = list(db().exec(select(Account.account_no, Account.is_custody)
                                  .where(Account.institution_id == inst.id).order_by(Account.id)))
    present = _present(tables, [a for a, _ in own_accounts] + sorted(highlight))
    own = [(a, marked) for a, marked in own_accounts if a in present]
    # An account marked as custody, else the detectors' reading (graphs.platform): of the institution's own
    # accounts, the one with the most counterparties (only their number matters, hence the ranges).
    mine = tables.accounts.filter(pc.is_in(tables.accounts.column("account"),
                                           value_set=pa.array([a for a, _ in own], pa.string())))
    counts = dict(zip(mine.column("account").to_pylist(), mine.column("partners").to_pylist()))
    custody = next((a for a, marked in own if marked), None) or \
        likely_custody({a: range(counts.get(a, 0)) for a, _ in own}, [a for a, _ in own])
    node = _unmask_node(request.args.get("node"), tables)
    if not node:
        node = custody or next(iter(sorted(highlight & present)), None)
    if node is None:
        return jsonify({"nodes": [], "edges": [], "hidden": 0})
    # The drawing first without the registry, to read the holders of every account drawn in one query.
    extras = [a for a in sorted(highlight - {node}) if a in present]
    G = flow_neighbourhood(tables.flows, tables.accounts, {node: MAX_EDGES_PER_NODE, **{x: 5 for x in extras}},
                           highlight)
    drawn = {n["data"]["id"] for a, limit in [(node, MAX_EDGES_PER_NODE)] + [(x, 5) for x in extras]
             for n in flow_json(G, a, {}, highlight, limit=limit)["nodes"]}
    accounts = _accounts(db(), drawn)
    data = flow_json(G, node, accounts, highlight, custody=custody)
    if not request.args.get("node"):
        for n in data["nodes"]:
            n["data"]["root"] = n["data"]["id"] == node  # the institution's own account the view starts from
    for extra in extras:
        more = flow_json(G, extra, accounts, highlight, limit=5, custody=custody)
        data["nodes"] += more["nodes"]
        data["edges"] += more["edges"]
    return jsonify(with_amount_texts(masked_flows(data, G), locale_name()))


def with_amount_texts(data: dict, locale: str) -> dict:
    """``data`` with each edge's amount as the portal writes money (2.50 亿元, 44,944,928 yuan) in ``amount_text``."""
    for e in data["edges"]:
        e["data"]["amount_text"] = money(e["data"].get("amount"), locale)
    return data
