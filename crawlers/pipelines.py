"""The store pipeline: every page item becomes a ``Document``; its records become facts, entities, events.

Writes are batched (one transaction per batch) and idempotent: facts are keyed
by (institution, period, metric, value), relations by their ends, kind and
attributes, events by (kind, external_id), companies by USCC (else normalised
name), persons by (name, id key). Lookups are cached for the whole crawl.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from pathlib import Path

from sqlmodel import select

from monitor.clock import as_utc
from monitor.db import session_scope
from monitor.models import Company, DisclosureFact, Document, Event, Institution, Person, Relation
from monitor.text import district_of, nfkc, normalize_name

from crawlers.deadlines import estimated_available
from crawlers.extract.registry import short_names
from crawlers.state import KnownDoc

log = logging.getLogger(__name__)

BODY_IN_DB_MAX = 256 * 1024  # larger bodies go to <evidence_dir>/<sha[:2]>/<sha>
BATCH = 200


def _key_float(x):
    return None if x is None else round(float(x), 6)


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.buffer: list[dict] = []
        self.loaded = False

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # ------------------------------------------------------------------ lifecycle
    @property
    def config(self):
        return self.crawler.spider.state.config

    def open_spider(self, spider=None):
        if not self.loaded:
            self._load()

    def close_spider(self, spider=None):
        self.flush()

    def relink_events(self, since=None) -> int:
        """Link complaints and news with the alias table as the store holds it after the crawl.

        Brands are learned from the platforms' own pages during the crawl, by another process than the
        boards' and the news' (:func:`crawlers.run.crawl` runs this when its processes are done): a post
        read before its platform's brand was known is linked here, and an article fetched since ``since``
        gets the events of the platforms it names that were not known then. So the links do not depend on
        the order the pages came in. Complaints and news linked to none are tried again by every crawl.
        Returns how many events were linked or added."""
        changed = 0
        with session_scope(self.config) as s:
            self._load_names(s)
            self.events = {("news", e) for e in s.exec(select(Event.external_id).where(Event.kind == "news"))}
            unlinked = list(s.exec(select(Event).where(Event.institution_id.is_(None),
                                                       Event.kind.in_(("complaint", "news"))).order_by(Event.id)))
            for row in unlinked:
                if row.kind == "complaint":
                    row.institution_id = self.link_institution(
                        None, [row.subject_name] if row.subject_name else [], f"{row.title}\n{row.body or ''}",
                        brands=True)
                    changed += row.institution_id is not None
            docs = {r.document_id for r in unlinked if r.kind == "news" and r.document_id}
            if since is not None:
                docs |= set(s.exec(select(Event.document_id).join(Document, Event.document_id == Document.id)
                                   .where(Event.kind == "news", Document.fetched_at >= since).distinct()))
            for doc_id in sorted(d for d in docs if d is not None):
                changed += self._relink_article(s, doc_id)
        return changed

    def _relink_article(self, s, doc_id: int) -> int:
        """The news events of one stored page, completed with the platforms its articles name."""
        rows = {r.external_id: r for r in s.exec(select(Event).where(Event.document_id == doc_id,
                                                                     Event.kind == "news"))}
        uscc = {i: u for u, i in self.institutions_uscc.items()}
        changed = 0
        for base in [ext for ext in rows if "|" not in ext]:
            row = rows[base]
            text = f"{row.title}\n{row.body or ''}"
            named = [] if row.subject_name and row.institution_id is None else self.named_institutions(text)
            if len(named) < 2:
                if row.institution_id is None:
                    row.institution_id = self.link_institution(None, [row.subject_name] if row.subject_name else [],
                                                               text, brands=True)
                    changed += row.institution_id is not None
                continue
            for one in mention_events({"title": row.title, "body": row.body, "external_id": base}, named, uscc):
                ext = one["external_id"][:200]
                old = rows.get(ext)
                if old is not None:
                    if old.institution_id != one["institution_id"]:
                        changed += 1
                    old.institution_id, old.title, old.subject_name = (one["institution_id"], one["title"],
                                                                       one["subject_name"])
                    continue
                if ("news", ext) in self.events:
                    continue
                self.events.add(("news", ext))
                s.add(Event(kind="news", institution_id=one["institution_id"], subject_name=one["subject_name"],
                            title=one["title"], body=row.body, amount=row.amount, keywords=row.keywords,
                            occurred_on=row.occurred_on, published_at=row.published_at,
                            available_at=row.available_at, url=row.url, external_id=ext, document_id=doc_id,
                            family=row.family))
                changed += 1
        return changed

    def process_item(self, item, spider=None):
        self.buffer.append(item)
        if len(self.buffer) >= BATCH:
            self.flush()
        return item

    @property
    def state(self):
        return self.crawler.spider.state

    def _load(self) -> None:
        """Cache what dedup needs (the crawl is the only writer of these rows while it runs)."""
        self.loaded = True
        with session_scope(self.config) as s:
            # key -> [fact id or pending row, available_at]: a figure repeated on a later page
            # (a report showing last month beside this month) keeps its earliest publication.
            self.facts = {(i, p, m, _key_float(v)): [fid, as_utc(a)] for fid, i, p, m, v, a in s.exec(
                select(DisclosureFact.id, DisclosureFact.institution_id, DisclosureFact.period,
                       DisclosureFact.metric, DisclosureFact.value, DisclosureFact.available_at))}
            self.companies_uscc = {u: i for i, u in s.exec(select(Company.id, Company.uscc)) if u}
            self.companies_name = {}
            self.names_with_uscc = set()  # name keys whose cached company has a USCC
            for i, n, u in s.exec(select(Company.id, Company.name_norm, Company.uscc).order_by(Company.id)):
                if n not in self.companies_name:
                    self.companies_name[n] = i
                    if u:
                        self.names_with_uscc.add(n)
            self.persons = {(n, k): i for i, n, k in s.exec(select(Person.id, Person.name, Person.id_key))}
            self.relations = {self._rel_key(r) for r in s.exec(select(Relation))}
            self.events = {(k, e) for k, e in s.exec(select(Event.kind, Event.external_id))}
            self._load_names(s)

    def _load_names(self, s) -> None:
        """Institutions by USCC, registered name, brand and short name (the alias table)."""
        self.institutions_uscc = {u: i for i, u in s.exec(select(Institution.id, Institution.uscc))}
        rows = list(s.exec(select(Institution.id, Institution.name, Institution.name_norm, Institution.aliases)))
        self.institutions_name = {n: i for i, _name, n, _a in rows}
        self.aliases = sorted(((n, i) for n, i in self.institutions_name.items() if len(n) >= 2),
                              key=lambda x: -len(x[0]))
        self.brand_names = {i: {*short_names(name), *(nfkc(a) for a in (aliases or []))}
                            for i, name, _n, aliases in rows}
        self._index_brands()

    def _index_brands(self) -> None:
        """Brands and short names, longest first; one naming two institutions links neither."""
        owners: dict[str, set[int]] = {}
        for iid, names in self.brand_names.items():
            for b in names:
                if len(b) >= 2:
                    owners.setdefault(b, set()).add(iid)
        self.brands = sorted(((b, next(iter(ids))) for b, ids in owners.items() if len(ids) == 1),
                             key=lambda x: -len(x[0]))
        # Every name an institution goes by, for the articles that name several (named_institutions).
        self.names_by_text = dict(self.brands)
        for norm, iid in getattr(self, "aliases", []):
            self.names_by_text.setdefault(norm, iid)
        words = sorted(self.names_by_text, key=len, reverse=True)  # longest first: 楚汇通 inside its firm's name
        self.names_re = re.compile("|".join(map(re.escape, words))) if words else None

    @staticmethod
    def _rel_key(r) -> tuple:
        return (r.kind, r.subject_kind, r.subject_id, r.object_kind, r.object_id, _key_float(r.share),
                r.role or None, _key_float(r.amount), r.valid_from, r.valid_to)

    # ------------------------------------------------------------------ writing
    def flush(self) -> None:
        if not self.buffer:
            return
        items, self.buffer = self.buffer, []
        self._pending_facts: list[list] = []
        self._pending_relations: list[tuple] = []
        self._pending_changes: list[tuple] = []
        self._pending_about: list[dict] = []  # handed to the state once the batch is committed
        try:
            self._write(items)
        except Exception as exc:  # noqa: BLE001 - a store failure is reported per page, the crawl goes on
            log.exception("storing %d pages failed", len(items))
            for item in items:
                self.state.error(item["source_id"], item["url"], f"store error: {type(exc).__name__}: {exc}"[:300])
                self.state.known.pop(item["url"], None)  # its version was rolled back; parse it again next time
            self._reload()

    def _reload(self) -> None:
        """After a failed batch, caches may name rows that were rolled back: rebuild them from the store."""
        self._load()

    def _write(self, items: list[dict]) -> None:
        # Three phases, one INSERT round each: documents; facts, events and parties; relations.
        with session_scope(self.config) as s:
            docs = [self._document(s, item) for item in items]
            s.flush()
            for item, doc in zip(items, docs):
                self._remember(item, doc)
                records = item.get("records") or {}
                if records:
                    self._records(s, item, doc, records)
            s.flush()
            for args in self._pending_relations:
                self._make_relation(s, *args)
            for args in self._pending_changes:
                self._changes(s, *args)
        # Only now: a batch rolled back must not leave the parent controllers naming its documents.
        self.state.about.extend(self._pending_about)
        self._detach()

    def _detach(self) -> None:
        # Rows of this batch are detached now: later batches reach them by id.
        for seen in self._pending_facts:
            seen[0] = seen[0].id
        for cache in (self.companies_uscc, self.companies_name, self.persons):
            for key, ref in cache.items():
                if not isinstance(ref, int):
                    cache[key] = ref.id


    def _store_body(self, sha: str, body: bytes) -> tuple[bytes | None, str | None]:
        if len(body) <= BODY_IN_DB_MAX:
            return body, None
        rel = f"{sha[:2]}/{sha}"
        path = Path(self.config.evidence_path) / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(body)
            tmp.replace(path)
        return None, rel

    def _document(self, s, item: dict) -> Document:
        known: KnownDoc | None = item.get("known")
        body = item.get("body")
        db_body, body_path = (None, None)
        if body is not None and item["parse_status"] != "unchanged":
            db_body, body_path = self._store_body(item["sha256"], body)
        unchanged = item["parse_status"] == "unchanged"
        if unchanged and known is not None:
            version, previous = known.version, known.doc_id
        elif known is not None and item.get("http_status") and item["http_status"] < 400:
            version, previous = known.version + 1, known.doc_id
        else:
            version, previous = (known.version if known else 1), (known.doc_id if known else None)
        published = item.get("published_at")
        available, estimated = published or item["fetched_at"], False
        periods = [f["period"] for f in (item.get("records") or {}).get("facts", [])]
        if published is None and periods:  # an undated report: available by its latest period's deadline
            available, estimated = estimated_available(max(periods), item["fetched_at"])
        doc = Document(url=item["url"][:2000], final_url=(item.get("final_url") or None),
                       source_id=item["source_id"], institution_id=item.get("institution_id"),
                       fetched_at=item["fetched_at"], http_status=item.get("http_status"),
                       content_type=(item.get("content_type") or None), encoding=item.get("encoding"),
                       sha256=item["sha256"], size=item.get("size") or 0, truncated=bool(item.get("truncated")),
                       body=db_body, body_path=body_path, etag=item.get("etag"),
                       last_modified=item.get("last_modified"), version=version, previous_id=previous,
                       parser=item.get("parser"), parser_version=item.get("parser_version"),
                       parse_status=item["parse_status"], parse_error=(item.get("parse_error") or None),
                       published_at=published, available_at=available, estimated=estimated)
        if doc.content_type:
            doc.content_type = doc.content_type[:200]
        if doc.parse_error:
            doc.parse_error = doc.parse_error[:1000]
        s.add(doc)
        return doc

    def _remember(self, item: dict, doc: Document) -> None:
        if item["parse_status"] != "unchanged" and item.get("http_status") and item["http_status"] < 400:
            self.state.known[item["url"]] = KnownDoc(doc.id, item["sha256"], doc.version, item.get("etag"),
                                                     item.get("last_modified"))

    def _records(self, s, item: dict, doc: Document, records: dict) -> None:
        stats = self.state.stats(item["source_id"])
        stats.items += 1
        if "facts" in records and item.get("institution_id"):
            inst = item["institution_id"]
            for f in records["facts"]:
                available, estimated = as_utc(doc.available_at), False
                if doc.published_at is None:  # each period of an undated page by its own deadline
                    available, estimated = estimated_available(f["period"], as_utc(doc.fetched_at))
                key = (inst, f["period"], f["metric"], _key_float(f["value"]))
                seen = self.facts.get(key)
                if seen is not None:
                    if available < seen[1]:
                        row = seen[0] if isinstance(seen[0], DisclosureFact) else s.get(DisclosureFact, seen[0])
                        row.published_at, row.available_at, row.document_id = doc.published_at, available, doc.id
                        row.raw_label, row.raw_value = f["raw_label"], f["raw_value"]
                        row.estimated = estimated
                        seen[1] = available
                    continue
                row = DisclosureFact(institution_id=inst, period=f["period"], metric=f["metric"],
                                     value=f["value"], unit=f["unit"], raw_label=f["raw_label"],
                                     raw_value=f["raw_value"], document_id=doc.id, published_at=doc.published_at,
                                     available_at=available, estimated=estimated,
                                     suspect=(f.get("suspect") or None) and f["suspect"][:300],
                                     confidence=f.get("confidence"))
                s.add(row)
                self.facts[key] = seen = [row, available]
                self._pending_facts.append(seen)
                stats.facts += 1
        if records.get("aliases") and item.get("institution_id") and item.get("kind") == "disclosure":
            self._learn_aliases(s, item["institution_id"], records["aliases"])
        if records.get("about"):  # stored by the crawl's parent when every process is done: store_about
            self._pending_about.append({**records["about"], "document_id": doc.id,
                                     "available_at": as_utc(doc.available_at).isoformat()})
        if "company" in records:
            self._registry(s, records, doc, stats)
        for ev in records.get("events", []):
            self._event(s, ev, doc, stats, item)

    # ------------------------------------------------------------------ registry
    def _company(self, s, name: str, uscc: str | None, doc: Document, stats, **fields):
        """The company's id, or its pending row when new in this batch."""
        norm = normalize_name(name) if name else ""
        cid = self.companies_uscc.get(uscc) if uscc else None
        if cid is None:
            # A firm first seen by name only (a guarantee row without a link) gets its USCC when it shows up.
            named = self.companies_name.get(norm)
            if named is not None and (not uscc or norm not in self.names_with_uscc):
                cid = named
                if uscc:
                    _row(s, cid, Company).uscc = uscc
                    self.companies_uscc[uscc] = cid
                    self.names_with_uscc.add(norm)
        if cid is None:
            company = Company(name=name[:200], name_norm=norm[:200], uscc=uscc or None,
                              available_at=doc.available_at, document_id=doc.id)
            s.add(company)
            cid = company
            stats.companies += 1
            if uscc:
                self.companies_uscc[uscc] = cid
                if self.companies_name.get(norm, cid) is cid:
                    self.names_with_uscc.add(norm)
            self.companies_name.setdefault(norm, cid)
        if fields:
            company = _row(s, cid, Company)
            changed = False
            for key, value in fields.items():
                if value is not None and getattr(company, key) != value:
                    setattr(company, key, value)
                    changed = True
            if changed or company.document_id is None:
                company.document_id = doc.id
                company.registry_url = doc.url[:1000]
        return cid

    def _person(self, s, name: str, id_key: str | None, doc: Document):
        key = (name, id_key or None)
        pid = self.persons.get(key)
        if pid is None:
            person = Person(name=name[:100], id_key=(id_key or None), available_at=doc.available_at)
            s.add(person)
            pid = self.persons[key] = person
        return pid

    def _party(self, s, party: dict, doc: Document, stats) -> tuple[str, int]:
        if party.get("kind") == "person":
            return "person", self._person(s, party["name"], party.get("id"), doc)
        return "company", self._company(s, party["name"], party.get("uscc"), doc, stats)

    def _relation(self, s, kind, subj: tuple, obj: tuple, doc, stats, **attrs) -> None:
        self._pending_relations.append((kind, subj, obj, doc, stats, attrs))

    def _make_relation(self, s, kind, subj: tuple, obj: tuple, doc, stats, attrs) -> None:
        rel = Relation(kind=kind, subject_kind=subj[0], subject_id=_id(subj[1]), object_kind=obj[0],
                       object_id=_id(obj[1]), available_at=doc.available_at, document_id=doc.id, **attrs)
        key = self._rel_key(rel)
        if key in self.relations:
            return
        self.relations.add(key)
        if rel.valid_to is not None:  # an ended role: the same role stored open by an earlier crawl ends too
            for old in s.exec(select(Relation).where(
                    Relation.kind == rel.kind, Relation.subject_kind == rel.subject_kind,
                    Relation.subject_id == rel.subject_id, Relation.object_kind == rel.object_kind,
                    Relation.object_id == rel.object_id, Relation.valid_to.is_(None))):
                if (old.role or None) == (rel.role or None):
                    self.relations.discard(self._rel_key(old))
                    old.valid_to = rel.valid_to
                    self.relations.add(self._rel_key(old))
        s.add(rel)
        stats.relations += 1

    def _registry(self, s, records: dict, doc: Document, stats) -> None:
        c = records["company"]
        cid = self._company(s, c["name"], c.get("uscc"), doc, stats,
                            registered_capital=c.get("registered_capital"), paid_in_capital=c.get("paid_in_capital"),
                            legal_representative=c.get("legal_representative"), address=c.get("address"),
                            established_on=c.get("established_on"))
        inst_id = self.institutions_uscc.get(c.get("uscc")) if c.get("uscc") else None
        district = district_of(c.get("address")) if inst_id else None
        if district:
            inst = s.get(Institution, inst_id)
            if inst is not None and not inst.district:  # an operator's setting stays
                inst.district = district[:100]
        me = ("company", cid)
        if c.get("legal_representative"):
            rep = self._person(s, c["legal_representative"], c.get("legal_representative_id"), doc)
            self._relation(s, "legal_representative", ("person", rep), me, doc, stats,
                           valid_from=c.get("legal_representative_since"))
        for former in records.get("former_legal_representatives", []):  # kept, with the day it ended
            rep = self._person(s, former["name"], None, doc)
            self._relation(s, "legal_representative", ("person", rep), me, doc, stats, valid_to=former.get("end"))
        for sh in records.get("shareholders", []):
            self._relation(s, "shareholder", self._party(s, sh, doc, stats), me, doc, stats, share=sh.get("share"),
                           valid_from=sh.get("start"), valid_to=sh.get("end"))
        for ex in records.get("executives", []):
            pid = self._person(s, ex["name"], ex.get("id"), doc)
            self._relation(s, "executive", ("person", pid), me, doc, stats, role=(ex.get("role") or None),
                           valid_from=ex.get("start"), valid_to=ex.get("end"))
        for ctl in records.get("controllers", []):
            self._relation(s, "controller", self._party(s, ctl, doc, stats), me, doc, stats)
        for g in records.get("guarantees", []):
            guarantor = self._party(s, g["guarantor"], doc, stats)
            guaranteed = self._party(s, g["guaranteed"], doc, stats)
            self._relation(s, "guarantee", guarantor, guaranteed, doc, stats, amount=g.get("amount"))
        if records.get("changes"):
            self._pending_changes.append((records, doc, stats, cid))

    def _changes(self, s, records: dict, doc: Document, stats, cid) -> None:
        c = records["company"]
        inst = self.institutions_uscc.get(c.get("uscc")) if c.get("uscc") else None
        for ch in records.get("changes", []):
            ext = f"{c.get('uscc') or normalize_name(c['name'])}:{ch.get('date')}:{ch.get('field')}:" + \
                hashlib.sha1(f"{ch.get('old')}→{ch.get('new')}".encode()).hexdigest()[:10]
            title = f"{c['name']} {ch.get('field') or '变更'}：{ch.get('old') or ''} → {ch.get('new') or ''}"
            self._event(s, {"kind": "registry_change", "title": title, "occurred_on": ch.get("date"),
                            "published_at": as_utc(ch.get("date")), "external_id": ext, "uscc": c.get("uscc"),
                            "subject_name": c["name"], "company_id": _id(cid), "institution_id": inst,
                            "url": doc.url}, doc, stats, None)

    # ------------------------------------------------------------------ events
    def link_institution(self, uscc: str | None, names: list[str], text: str, brands: bool = False) -> int | None:
        """An institution by USCC, by a named party's normalised name, or by its name in the text; with
        ``brands`` (complaints, news), also by a brand or short name (麦田贷, 渝麦), in the name first."""
        if uscc and uscc in self.institutions_uscc:
            return self.institutions_uscc[uscc]
        for name in names:
            iid = self.institutions_name.get(normalize_name(name))
            if iid:
                return iid
        if brands:
            for name in names:
                norm = nfkc(normalize_name(name))
                iid = next((i for b, i in self.brands if b in norm), None)
                if iid:
                    return iid
        norm_text = normalize_name(text) if text else ""
        for alias, iid in self.aliases:
            if alias in norm_text:
                return iid
        if brands and not names:  # a post naming an unknown platform is not linked by its text
            text_n = nfkc(text or "")
            return next((i for b, i in self.brands if b in text_n), None)
        return None

    def named_institutions(self, text: str) -> list[tuple[int, list[str]]]:
        """The institutions a text names by registered name, brand or short name, in the order first named,
        each with the words that name it. Leftmost-longest: a short name inside a registered name is one
        naming; a brand shared by two institutions names neither."""
        if not text or self.names_re is None:
            return []
        found: dict[int, list[str]] = {}
        for m in self.names_re.finditer(normalize_name(text)):
            words = found.setdefault(self.names_by_text[m.group(0)], [])
            if m.group(0) not in words:
                words.append(m.group(0))
        return list(found.items())

    def _learn_aliases(self, s, inst_id: int, found: list[str]) -> None:
        """Brands a platform's own page states, kept on the institution (ten at most)."""
        known = self.brand_names.setdefault(inst_id, set())
        new = [b for b in found if b not in known]
        if not new:
            return
        inst = s.get(Institution, inst_id)
        if inst is None:
            return
        inst.aliases = list(dict.fromkeys([*(inst.aliases or []), *new]))[:10]
        known.update(inst.aliases)
        self._index_brands()

    def _event(self, s, ev: dict, doc: Document, stats, item: dict | None) -> None:
        ext = ev.get("external_id") or hashlib.sha1(
            f"{ev.get('url') or doc.url}|{ev.get('title')}|{ev.get('occurred_on')}".encode()).hexdigest()
        if ev["kind"] == "news" and ev.get("institution_id") is None and not ev.get("uscc") and not ev.get("parties"):
            named = self.named_institutions(f"{ev.get('title', '')}\n{ev.get('body') or ''}")
            if len(named) >= 2:  # an article about several platforms: an event for each
                uscc = {i: u for u, i in self.institutions_uscc.items()}
                for one in mention_events({**ev, "external_id": ext}, named, uscc):
                    self._event(s, one, doc, stats, item)
                return
        key = (ev["kind"], ext[:200])
        if key in self.events:
            return
        self.events.add(key)
        inst = ev.get("institution_id")
        if inst is None:
            inst = self.link_institution(ev.get("uscc"), ev.get("parties", []),
                                         f"{ev.get('title', '')}\n{ev.get('body') or ''}",
                                         brands=ev["kind"] in ("complaint", "news"))
        if inst is None and item is not None and item.get("kind") == "disclosure":
            inst = item.get("institution_id")
        published = ev.get("published_at") or doc.published_at
        s.add(Event(kind=ev["kind"], institution_id=inst, company_id=ev.get("company_id"),
                    subject_name=(ev.get("subject_name") or None), title=(ev.get("title") or "")[:500] or ev["kind"],
                    body=ev.get("body"), amount=ev.get("amount"), keywords=ev.get("keywords") or [],
                    occurred_on=ev.get("occurred_on"), published_at=published,
                    available_at=published or doc.available_at, url=(ev.get("url") or doc.url)[:2000],
                    external_id=ext[:200], document_id=doc.id, family=ev.get("family")))
        stats.events += 1


def store_about(config, pending: list[dict]) -> int:
    """Controllers the platforms' own pages state (``pending``: what the crawl's processes read), stored when
    every process is done, so whether the registry process had stored the firm yet does not matter.

    Each controller is tied to the firm of the page's USCC (a firm the store lacks is skipped: the registry
    crawl creates firms, this never does), as the person of that name already related to the firm when there
    is one (the registry's), else the person of that name without an id key, else a new person; a relation
    already stored is not stored again. Pages are taken earliest available first, so the relation keeps the
    earliest page whatever the order the pages were read in. Returns how many relations were stored."""
    stored = 0
    with session_scope(config) as s:
        for about in sorted(pending, key=lambda a: (a["uscc"], a["available_at"], a["document_id"])):
            if s.get(Document, about["document_id"]) is None:
                log.warning("controllers of %s not stored: their page (document %s) is not in the store",
                            about["uscc"], about["document_id"])
                continue
            cid = s.exec(select(Company.id).where(Company.uscc == about["uscc"])).first()
            if cid is None:
                log.info("controllers of %s not stored: its firm is not in the store", about["uscc"])
                continue
            for ctl in about.get("controllers", []):
                if ctl.get("kind") != "person":
                    continue  # a firm named without its USCC: the registry gives it
                name = ctl["name"][:100]
                pid = _named_person(s, name, cid)
                if pid is None:
                    person = Person(name=name, available_at=datetime.fromisoformat(about["available_at"]))
                    s.add(person)
                    s.flush()
                    pid = person.id
                if s.exec(select(Relation.id).where(
                        Relation.kind == "controller", Relation.subject_kind == "person", Relation.subject_id == pid,
                        Relation.object_kind == "company", Relation.object_id == cid,
                        Relation.valid_to.is_(None))).first() is not None:
                    continue
                s.add(Relation(kind="controller", subject_kind="person", subject_id=pid, object_kind="company",
                               object_id=cid, available_at=datetime.fromisoformat(about["available_at"]),
                               document_id=about["document_id"]))
                s.flush()
                stored += 1
    return stored


def _named_person(s, name: str, company_id: int) -> int | None:
    """The person called ``name`` related to the firm (lowest id), else the one without an id key."""
    related = s.exec(select(Person.id).join(Relation, Relation.subject_id == Person.id).where(
        Person.name == name, Relation.subject_kind == "person", Relation.object_kind == "company",
        Relation.object_id == company_id).order_by(Person.id)).first()
    if related is not None:
        return related
    return s.exec(select(Person.id).where(Person.name == name, Person.id_key.is_(None)).order_by(Person.id)).first()


def relink_events(config, since=None) -> int:
    """:meth:`StorePipeline.relink_events` outside a crawl process (the crawl's parent, when its processes
    are done)."""
    from types import SimpleNamespace

    return StorePipeline(SimpleNamespace(spider=SimpleNamespace(state=SimpleNamespace(config=config)))
                         ).relink_events(since)


_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")


def mention_events(ev: dict, named: list[tuple[int, list[str]]], uscc: dict[int, str]) -> list[dict]:
    """One event per institution an article names (``named``: :meth:`StorePipeline.named_institutions`).

    Each event's title is the article's sentences that name that institution, not the article's
    headline: a headline about several platforms (多家平台爆雷) says nothing of each one, and an
    institution's status is read from its events' titles. The first keeps the article's external id."""
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(ev.get("body") or "")]
    out = []
    for n, (iid, words) in enumerate(named):
        said = [x for x in sentences if any(w in normalize_name(x) for w in words)]
        title = " … ".join(dict.fromkeys(said[:2])) or ev.get("title") or ""
        out.append({**ev, "institution_id": iid, "title": title[:500], "subject_name": words[0][:200],
                    "external_id": ev["external_id"] if n == 0 else f"{ev['external_id']}|{uscc.get(iid, iid)}"})
    return out


def _id(ref) -> int:
    return ref if isinstance(ref, int) else ref.id


def _row(s, ref, model):
    return ref if isinstance(ref, model) else s.get(model, ref)


