"""A hand-built store for briefing tests and the benchmark: institutions, registry, disclosures,
events, documents, two weekly sweeps of findings and scores, alerts with notes and triage.

Deterministic (``random.Random(seed)``); the period of interest is the ISO week 2018-W27
(2018-07-02..2018-07-08); the baseline sweep is a week earlier.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from stdnum.cn import uscc as uscc_mod

from monitor.alerts import add_note, raise_alerts, transition
from monitor.db import session_scope
from monitor.findings import Evidence, EvidenceAccount, EvidenceDocument, EvidenceEdge, FindingResult
from monitor.models import (
    Company, DisclosureFact, Document, Event, Finding, Institution, Jurisdiction, Person, Relation, SweepRun, User,
)
from monitor.scoring import active_rules, store_scores

WEEK_START, WEEK_END = date(2018, 7, 2), date(2018, 7, 8)
BASE_AS_OF = datetime(2018, 6, 28, 2, 0, tzinfo=timezone.utc)  # the sweep before the week
NOW_AS_OF = datetime(2018, 7, 5, 2, 0, tzinfo=timezone.utc)  # the sweep inside the week
HOSTILE = '<img src="http://127.0.0.1:{port}/x.png"><style>body{{background:url(http://127.0.0.1:{port}/bg.png)}}</style>'
DISTRICTS = ("福田区", "罗湖区", "南山区", "宝安区", "龙岗区")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
WORDS = ("鑫", "融", "汇", "通", "信", "达", "盛", "恒", "泰", "金", "宝", "银", "富", "安", "联", "投")


def uscc_for(n: int, region: str = "440300") -> str:
    body = f"91{region}{n:09d}"[:17]
    return body + uscc_mod.calc_check_digit(body)


@dataclass
class Seeded:
    """What the seed wrote, for the tests' expectations."""

    institution_ids: list[int] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    red_id: int | None = None  # the planted worst institution (self-financing + Ponzi)
    red_name: str = ""
    hostile_id: int | None = None
    collector_account: str = "6222020000123456789"
    collector_amount: float = 38_650_000.0
    note_text: str = "已约谈实际控制人，要求说明资金去向"
    # The red platform collapsed: a closure notice, and a judgment whose amount is only in its text.
    closure_title: str = "关于平台停止运营及清盘处置的公告"
    judgment_title: str = "民间借贷纠纷一审判决（2018）粤0304民初2345号"
    judgment_amount: float = 460_000.0
    user: str = "inspector1"


def _name(rng: random.Random, k: int) -> str:
    return f"深圳{rng.choice(WORDS)}{rng.choice(WORDS)}{'网络借贷' if k % 3 else '金融信息服务'}有限公司{k}号"


def _finding(inst: Institution, kind: str, severity: str, title: str, evidence: Evidence, key: str,
             window=(date(2018, 5, 1), date(2018, 6, 30))) -> FindingResult:
    points = {"low": 3, "medium": 8, "high": 25, "critical": 40}[severity]
    return FindingResult(detector=kind, kind=kind, institution_uscc=inst.uscc, severity=severity, score=points,
                         title=title, evidence=evidence, window_start=window[0], window_end=window[1], key=key)


def _store(session, results: list[FindingResult], ids: dict[str, int], sweep: SweepRun) -> list[Finding]:
    rows = []
    for r in results:
        row = Finding(sweep_id=sweep.id, detector=r.detector, kind=r.kind, institution_id=ids[r.institution_uscc],
                      severity=r.severity, score=r.score, title=r.title, evidence=r.evidence.to_dict(),
                      window_start=r.window_start, window_end=r.window_end, as_of=sweep.as_of,
                      fingerprint=r.fingerprint)
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def seed_store(config, institutions: int = 6, seed: int = 7, hostile_port: int | None = None,
               documents_per_institution: int = 3) -> Seeded:
    """Fill an initialised store; institution 0 is red (self-financing, Ponzi), 1 orange, the rest mixed."""
    rng = random.Random(seed)
    out = Seeded()
    with session_scope(config) as s:
        city = Jurisdiction(code="440300", name="示范市", level="city")
        s.add(city)
        s.flush()
        s.add(User(username=out.user, display_name="检查员甲", password_hash="x"))
        insts: list[Institution] = []
        for k in range(institutions):
            inst = Institution(name=_name(rng, k), name_norm=f"n{k}", uscc=uscc_for(k + 1), kind="p2p",
                               jurisdiction_id=city.id, district=DISTRICTS[k % len(DISTRICTS)],
                               website=f"http://p{k}.example.cn/", custody_bank="某商业银行深圳分行")
            s.add(inst)
            insts.append(inst)
        s.flush()
        out.institution_ids = [i.id for i in insts]
        out.names = {i.id: i.name for i in insts}
        out.red_id, out.red_name = insts[0].id, insts[0].name
        ids = {i.uscc: i.id for i in insts}

        for k, inst in enumerate(insts):
            docs = []
            for d in range(documents_per_institution):
                body = f"{inst.name} 信息披露 {d}".encode()
                doc = Document(url=f"http://p{k}.example.cn/disclosure/{d}.html", institution_id=inst.id,
                               fetched_at=datetime(2018, 7, 3, 8, d, tzinfo=timezone.utc), http_status=200,
                               sha256=hashlib.sha256(body).hexdigest(), size=len(body), body=body,
                               content_type="text/html", available_at=datetime(2018, 7, 3, tzinfo=timezone.utc))
                s.add(doc)
                docs.append(doc)
            boss = Person(name=f"{SURNAMES[k % len(SURNAMES)]}{rng.choice('伟芳娜强磊军洋勇艳杰')}")
            holding = Company(name=f"深圳{rng.choice(WORDS)}{rng.choice(WORDS)}控股有限公司{k}", name_norm=f"h{k}")
            comp = Company(name=inst.name, name_norm=inst.name_norm, uscc=inst.uscc,
                           registered_capital=50_000_000.0 + 10_000_000 * (k % 4),
                           paid_in_capital=5_000_000.0 if k == 0 else 30_000_000.0,
                           legal_representative=boss.name, address=f"深圳市{inst.district}深南大道{100 + k}号",
                           established_on=date(2014, 1 + k % 12, 10), registry_url=f"http://gsxt.example.cn/{inst.uscc}")
            s.add_all([boss, holding, comp])
            s.flush()
            s.add_all([
                Relation(kind="shareholder", subject_kind="company", subject_id=holding.id, object_id=comp.id, share=0.7),
                Relation(kind="shareholder", subject_kind="person", subject_id=boss.id, object_id=comp.id, share=0.3),
                Relation(kind="shareholder", subject_kind="person", subject_id=boss.id, object_id=holding.id, share=0.9),
                Relation(kind="controller", subject_kind="person", subject_id=boss.id, object_id=comp.id),
                Relation(kind="legal_representative", subject_kind="person", subject_id=boss.id, object_id=comp.id,
                         role="法定代表人"),
            ])
            balance = 200_000_000.0 * (1 + k % 5)
            for m in range(1, 7):
                period = date(2018, m, 1)
                overdue_rate = 0.01 + (0.02 * m if k == 0 else 0.002 * m)
                for metric, value, unit in (("outstanding_balance", balance * (1 + 0.05 * m), "元"),
                                            ("overdue_amount", balance * overdue_rate, "元"),
                                            ("amount_overdue_rate", overdue_rate, "ratio"),
                                            ("avg_yield", 0.16 if k == 0 else 0.09, "ratio"),
                                            ("top10_borrower_share", 0.35 if k == 0 else 0.1, "ratio")):
                    s.add(DisclosureFact(institution_id=inst.id, period=period, metric=metric, value=value, unit=unit,
                                         document_id=docs[0].id,
                                         available_at=datetime(2018, m, 20, tzinfo=timezone.utc) + timedelta(days=15)))
            s.add(Event(kind="complaint", institution_id=inst.id, title=f"投诉：{inst.name}提现困难",
                        occurred_on=date(2018, 7, 3), keywords=["提现困难"], url=f"http://ts.example.cn/{k}",
                        external_id=f"c{k}"))
            if k == 0:
                s.add(Event(kind="lawsuit", institution_id=inst.id, title="民间借贷纠纷（2018）粤0304民初1234号",
                            amount=1_200_000.0, occurred_on=date(2018, 6, 12), external_id="l0"))
                s.add(Event(kind="closure", institution_id=inst.id, title=out.closure_title,
                            occurred_on=date(2018, 7, 6), external_id="closure0"))
                s.add(Event(kind="lawsuit", institution_id=inst.id, title=out.judgment_title,
                            body="判决被告于判决生效之日起十日内偿还原告借款本金460,000元及利息。",
                            occurred_on=date(2018, 7, 4), external_id="l1"))
            if hostile_port is not None and k == 1:
                out.hostile_id = inst.id
                evil = HOSTILE.format(port=hostile_port)
                s.add(Event(kind="news", institution_id=inst.id, title=f"新闻{evil}", body=f"正文{evil}",
                            url=f"http://127.0.0.1:{hostile_port}/news", external_id="evil"))
                holding.name = f"恶意控股{evil}"
                s.add(holding)
                s.add(Document(url=f"http://127.0.0.1:{hostile_port}/page?x={evil}", institution_id=inst.id,
                               sha256="0" * 64, http_status=200))
        s.flush()

        # Two sweeps: the baseline (a week earlier) and one inside the week.
        rules = active_rules(s)
        base = SweepRun(kind="full", trigger="scheduler", status="succeeded", as_of=BASE_AS_OF,
                        started_at=BASE_AS_OF, finished_at=BASE_AS_OF + timedelta(minutes=5))
        now = SweepRun(kind="full", trigger="scheduler", status="succeeded", as_of=NOW_AS_OF,
                       started_at=NOW_AS_OF, finished_at=NOW_AS_OF + timedelta(minutes=5))
        s.add_all([base, now])
        s.flush()
        red = insts[0]
        self_fin = _finding(red, "self_financing", "critical", "借款资金经多名借款人归集至实际控制人关联账户",
                            Evidence(accounts=[EvidenceAccount(out.collector_account, "深圳恒信贸易有限公司",
                                                               "91440300MA5EXAMPLE", "collector"),
                                               EvidenceAccount("6222020000000000001", "王伟", "4403**********1234",
                                                               "borrower")],
                                     edges=[EvidenceEdge("6222020000000000001", out.collector_account,
                                                         out.collector_amount, 57, "2018-05-03T10:12:00",
                                                         "2018-06-28T16:40:00", "transfer")],
                                     window_start="2018-05-01", window_end="2018-06-30",
                                     paths=[["平台", "实际控制人", "深圳恒信贸易有限公司"]],
                                     documents=[EvidenceDocument("http://p0.example.cn/disclosure/0.html", None,
                                                                 "2018-07-03T08:00:00+00:00", "ab" * 32, "借贷余额")],
                                     metrics={"borrowers": 57, "share_to_collector": 0.91}),
                            key=out.collector_account)
        ponzi = _finding(red, "ponzi", "high", "兑付资金主要来自新出借人资金",
                         Evidence(metrics={"new_money_share": 0.83}), key="ponzi")
        early = [_finding(i, "yield_above_peers", "medium", "平均年化收益率高于同业", Evidence(), key="y")
                 for i in insts[:max(2, institutions // 3)]]
        late = [ponzi, self_fin] + early
        if institutions > 1:
            late.append(_finding(insts[1], "overdue_jump", "high", "逾期率较前三月均值上升 9 个百分点",
                                 Evidence(metrics={"jump": 0.09}), key="o"))
        for i in insts[2:]:
            if rng.random() < 0.3:
                late.append(_finding(i, rng.choice(["complaint_surge", "litigation", "capital_gap"]),
                                     rng.choice(["low", "medium", "high"]), "公开信息弱信号", Evidence(), key="w"))
        base_rows = _store(s, early, ids, base)
        base_scores = store_scores(s, base_rows, rules, BASE_AS_OF, base.id)
        raise_alerts(s, base_rows, base_scores, {}, set(), BASE_AS_OF)
        now_rows = _store(s, late, ids, now)
        now_scores = store_scores(s, now_rows, rules, NOW_AS_OF, now.id)
        raise_alerts(s, now_rows, now_scores, {x.institution_id: x.band for x in base_scores},
                     {f.fingerprint for f in base_rows}, NOW_AS_OF)
        from monitor.models import Alert
        from sqlmodel import select

        alert = s.exec(select(Alert).where(Alert.institution_id == red.id, Alert.kind == "finding")
                       .order_by(Alert.id)).first()
        transition(s, alert.id, "investigating", out.user)
        add_note(s, alert.id, out.note_text, out.user)
        transition(s, alert.id, "escalated", out.user)
    return out
