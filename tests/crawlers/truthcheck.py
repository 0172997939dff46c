"""Compare what a crawl stored with a simulated city's ground truth (for tests and benchmarks only)."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import date
from pathlib import Path

from sqlmodel import select

from monitor.db import session_scope
from monitor.models import Company, DisclosureFact, Document, Event, Institution, Person, Relation


def _close(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def compare(config, city: Path) -> dict:
    """Accuracy of disclosures, registry relations and events against ``city/truth.json``."""
    truth = json.loads((Path(city) / "truth.json").read_text(encoding="utf-8"))
    with session_scope(config) as s:
        inst_by_uscc = {i.uscc: i.id for i in s.exec(select(Institution))}
        facts = defaultdict(list)
        for f in s.exec(select(DisclosureFact)):
            facts[(f.institution_id, f.period, f.metric)].append(f)
        docs = {d.id: d for d in s.exec(select(Document).where(Document.parse_status == "ok"))}
        companies = {c.id: c for c in s.exec(select(Company))}
        persons = {p.id: p for p in s.exec(select(Person))}
        relations = list(s.exec(select(Relation)))
        events = list(s.exec(select(Event)))

    # --- disclosures
    total = exact = missing = wrong = late = 0
    examples = []
    expected_keys = set()
    for uscc, months in truth["published_disclosures"].items():
        iid = inst_by_uscc.get(uscc)
        for month, entry in months.items():
            period = date.fromisoformat(month + "-01")
            for metric, value in entry["values"].items():
                total += 1
                key = (iid, period, metric)
                expected_keys.add(key)
                got = facts.get(key, [])
                if not got:
                    missing += 1
                    if len(examples) < 10:
                        examples.append(("missing", uscc, month, metric, value, entry["url"]))
                elif all(_close(f.value, value) for f in got):
                    exact += 1
                    pub = got[0].published_at
                    if pub is None or pub.date().isoformat() != entry["published_at"]:
                        late += 1
                else:
                    wrong += 1
                    if len(examples) < 10:
                        examples.append(("wrong", uscc, month, metric, value, [f.value for f in got],
                                         [f.raw_value for f in got], entry["url"]))
    extra = sum(1 for k in facts if k not in expected_keys)

    # --- registry relations
    def cname(cid):
        return companies[cid].name if cid in companies else None

    def party(kind, pid):
        return persons[pid].name if kind == "person" else cname(pid)

    got_rel = set()
    for r in relations:
        obj = companies.get(r.object_id) if r.object_kind == "company" else None
        obj_key = (obj.uscc or obj.name) if obj else None
        subj = party(r.subject_kind, r.subject_id)
        if r.kind == "shareholder":
            got_rel.add(("shareholder", subj, obj_key, round(r.share or 0, 6)))
        elif r.kind == "executive":
            got_rel.add(("executive", subj, obj_key, r.role))
        elif r.kind == "legal_representative":
            got_rel.add(("legal_representative", subj, obj_key))
        elif r.kind == "guarantee":
            got_rel.add(("guarantee", subj, (companies[r.object_id].name if r.object_id in companies else None),
                         round(r.amount or 0, 2)))
    want_rel = set()
    for key, c in truth["registry"].items():
        ck = c.get("uscc") or c["name"]
        for sh in c.get("shareholders", []):
            want_rel.add(("shareholder", sh["name"], ck, round(sh["share"], 6)))
        for ex in c.get("executives", []):
            want_rel.add(("executive", ex["name"], ck, ex["role"]))
        if c.get("legal_representative"):
            want_rel.add(("legal_representative", c["legal_representative"], ck))
        for g in c.get("guarantees", []):
            want_rel.add(("guarantee", g["guarantor"], g["guaranteed"], round(g.get("amount") or 0, 2)))
    rel_missing = sorted(want_rel - got_rel, key=str)

    # --- events
    ev_got = defaultdict(int)
    uscc_of = {v: k for k, v in inst_by_uscc.items()}
    for e in events:
        ev_got[(e.kind, uscc_of.get(e.institution_id), e.occurred_on.isoformat() if e.occurred_on else None)] += 1
    ev_missing = []
    for e in truth.get("events", []):
        key = (e["kind"], e.get("uscc") if e.get("uscc") in inst_by_uscc else None, e["date"])
        if ev_got.get(key, 0) > 0:
            ev_got[key] -= 1
        else:
            ev_missing.append(e)
    return {
        "disclosures": {"total": total, "exact": exact, "missing": missing, "wrong": wrong, "extra": extra,
                        "published_at_mismatch": late, "accuracy": exact / total if total else 1.0,
                        "examples": examples},
        "relations": {"total": len(want_rel), "found": len(want_rel) - len(rel_missing),
                      "recall": 1 - len(rel_missing) / len(want_rel) if want_rel else 1.0,
                      "missing_examples": rel_missing[:10], "extra": len(got_rel - want_rel)},
        "events": {"total": len(truth.get("events", [])), "found": len(truth.get("events", [])) - len(ev_missing),
                   "missing_examples": ev_missing[:10]},
    }
