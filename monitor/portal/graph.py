"""Graph explorer: related-party and fund-flow neighbourhoods of an institution as Cytoscape JSON."""

from __future__ import annotations

import threading
import time

import networkx as nx
from flask import Blueprint, abort, jsonify, render_template, request
from sqlmodel import select

from graphs.build import (collapse_periods, flow_graph, institution_key, load_related_party_graph,
                          neighbourhood)
from monitor.models import Account
from monitor.portal.common import RELATION_LABELS, db, monitor_config, scope

bp = Blueprint("graph", __name__)
MAX_HOPS_FROM_ROOT = 4  # expansion stays near the institution the user may see
MAX_EDGES_PER_NODE = 25  # the biggest flows of a node; the rest is counted, not drawn
_CACHE: dict[str, tuple[float, nx.MultiDiGraph]] = {}
_LOCK = threading.Lock()
CACHE_SECONDS = 60.0


def related_graph(config) -> nx.MultiDiGraph:
    """The city's related-party graph, rebuilt at most once a minute per process."""
    with _LOCK:
        hit = _CACHE.get(config.db_url)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    G = load_related_party_graph(config)
    with _LOCK:
        _CACHE[config.db_url] = (time.monotonic(), G)
    return G


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


def flow_json(G: nx.DiGraph, node: str, accounts: dict, highlight: set[str], limit: int = MAX_EDGES_PER_NODE) -> dict:
    """Cytoscape elements of an account's biggest in- and outflows (plus flows among highlighted accounts)."""
    if node not in G:
        return {"nodes": [], "edges": [], "hidden": 0}
    around = [(u, v, d) for u, v, d in G.in_edges(node, data=True)] + \
             [(u, v, d) for u, v, d in G.out_edges(node, data=True)]
    around.sort(key=lambda e: -e[2]["amount"])
    chosen = around[:limit]
    chosen += [(u, v, d) for u, v, d in G.edges(data=True)
               if u in highlight and v in highlight and (u == node or v == node) and (u, v, d) not in chosen]
    keep = {node} | {u for u, _, _ in chosen} | {v for _, v, _ in chosen}
    nodes = []
    for acc in keep:
        info = accounts.get(acc, {})
        name = info.get("holder_name") or acc
        nodes.append({"data": {"id": acc, "label": name if len(name) <= 14 else name[:13] + "…", "holder": name,
                               "kind": "custody" if info.get("is_custody") else (info.get("holder_kind") or "account"),
                               "highlight": acc in highlight, "expandable": True}})
    edges = [{"data": {"id": f"{u}>{v}", "source": u, "target": v, "amount": d["amount"], "count": d["count"],
                       "first": d["first"][:10], "last": d["last"][:10],
                       "highlight": u in highlight and v in highlight}} for u, v, d in chosen]
    return {"nodes": nodes, "edges": edges, "hidden": max(0, len(around) - limit)}


def _accounts(session, account_nos=None) -> dict:
    q = select(Account)
    if account_nos is not None:
        q = q.where(Account.account_no.in_(list(account_nos)))
    return {a.account_no: {"holder_name": a.holder_name, "holder_id": a.holder_id_no, "holder_kind": a.holder_kind,
                           "is_custody": a.is_custody, "institution_id": a.institution_id} for a in session.exec(q)}


def _flows(inst) -> nx.DiGraph:
    from monitor.transfers import TransferStore

    table = TransferStore(monitor_config()).aggregate_edges(institution_ids=[inst.uscc], freq="all")
    return collapse_periods(flow_graph(table))


@bp.route("/graph/<int:inst_id>")
def explorer(inst_id: int):
    sc = scope()
    inst = sc.institution(inst_id)
    finding = sc.finding(request.args.get("finding", type=int)) if request.args.get("finding") else None
    if finding is not None and finding.institution_id != inst.id:
        abort(404)
    custody = db().exec(select(Account.account_no).where(Account.institution_id == inst.id)
                        .order_by(Account.is_custody.desc(), Account.id)).all()
    return render_template("portal/graph.html", inst=inst, finding=finding, custody=custody)


@bp.route("/graph/<int:inst_id>/related.json")
def related(inst_id: int):
    sc = scope()
    inst = sc.institution(inst_id)
    root = institution_key(inst.uscc)
    visible = {i.uscc for i in db().exec(sc.institutions())}
    return jsonify(related_json(related_graph(monitor_config()), root, request.args.get("node") or root, visible))


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
    G = _flows(inst)
    node = request.args.get("node")
    if not node:
        own = db().exec(select(Account.account_no).where(Account.institution_id == inst.id)
                        .order_by(Account.is_custody.desc(), Account.id)).all()
        node = next((a for a in own if a in G), None) or next(iter(sorted(highlight & set(G))), None)
    if node is None:
        return jsonify({"nodes": [], "edges": [], "hidden": 0})
    data = flow_json(G, node, {}, highlight)
    accounts = _accounts(db(), [n["data"]["id"] for n in data["nodes"]])
    data = flow_json(G, node, accounts, highlight)
    if not request.args.get("node"):
        for n in data["nodes"]:
            n["data"]["root"] = n["data"]["id"] == node  # the institution's own account the view starts from
    for extra in sorted(highlight - {node}):
        if extra in G:
            more = flow_json(G, extra, _accounts(db(), set(G.predecessors(extra)) | set(G.successors(extra)) | {extra}),
                             highlight, limit=5)
            data["nodes"] += more["nodes"]
            data["edges"] += more["edges"]
    return jsonify(data)
