"""Indicators on hand-built data: each fires on its pattern, stays quiet without it, and sees only the past."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace as NS

import pytest

from monitor.indicators import (DEFAULT_PARAMS, DocRef, Snapshot, borrower_limits, capital_gap, complaint_surge,
                                compute_indicators, disclosure_late, frequent_changes, litigation, load_snapshot,
                                overdue_jump, shared_address, site_down, yield_above_peers)
from tests.conftest import uscc_for

P = dict(DEFAULT_PARAMS)
AS_OF = datetime(2018, 8, 31, 12, tzinfo=timezone.utc)


def at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 8, tzinfo=timezone.utc)


def inst(i: int) -> NS:
    return NS(id=i, uscc=uscc_for(i), name=f"平台{i}", website=f"http://p{i}.example/")


def fact(inst_id, period, metric, value, published=None, doc=None):
    published = published or (date(period.year + period.month // 12, period.month % 12 + 1, 10))
    return NS(institution_id=inst_id, period=period, metric=metric, value=value, raw_label=metric,
              document_id=doc, available_at=at(published))


def event(inst_id, kind, day, title="", keywords=(), doc=None, amount=None, body=None):
    return NS(institution_id=inst_id, kind=kind, occurred_on=day, available_at=at(day), title=title, body=body,
              keywords=list(keywords), document_id=doc, url=f"http://court.example/{kind}/{day}", amount=amount)


def months(start: date, n: int) -> list[date]:
    out, d = [], start
    for _ in range(n):
        out.append(d)
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return out


def test_yield_above_peers_flags_the_outlier_only():
    insts = [inst(i) for i in range(1, 6)]
    period = date(2018, 7, 1)
    yields = {1: 0.09, 2: 0.095, 3: 0.10, 4: 0.085, 5: 0.18}
    snap = Snapshot(institutions=insts, facts=[fact(i, period, "avg_yield", y, doc=100 + i) for i, y in yields.items()],
                    documents={105: DocRef(105, "http://p5.example/report/2018-07")})
    found = yield_above_peers(snap, P, AS_OF)
    assert [f.institution_uscc for f in found] == [uscc_for(5)]
    f = found[0]
    assert f.severity == "high" and f.evidence.metrics["city_median"] == pytest.approx(0.095)
    assert f.evidence.documents[0].url == "http://p5.example/report/2018-07"
    # before the July reports were published nobody can be compared
    assert yield_above_peers(snap, P, datetime(2018, 8, 1, tzinfo=timezone.utc)) == []


def test_overdue_jump_positive_and_steady_negative():
    a, b = inst(1), inst(2)
    ms = months(date(2018, 3, 1), 5)
    facts = [fact(1, m, "amount_overdue_rate", r) for m, r in zip(ms, [0.01, 0.012, 0.011, 0.01, 0.09])]
    facts += [fact(2, m, "amount_overdue_rate", r) for m, r in zip(ms, [0.05, 0.055, 0.05, 0.052, 0.06])]
    found = overdue_jump(Snapshot(institutions=[a, b], facts=facts), P, AS_OF)
    assert [f.institution_uscc for f in found] == [a.uscc]
    assert found[0].evidence.metrics["latest"] == 0.09 and found[0].severity in ("medium", "high")


def test_overdue_jump_wants_a_broad_rise_above_the_city_and_a_minimum_level():
    insts = [inst(i) for i in range(1, 7)]
    ms = months(date(2018, 1, 1), 7)
    rates = {1: [0.01, 0.012, 0.011, 0.01, 0.012, 0.011, 0.06],  # amount and count rates both jump
             2: [0.01, 0.012, 0.011, 0.01, 0.012, 0.011, 0.06],  # one large loan: the count rate hardly moves
             3: [0.002, 0.003, 0.002, 0.002, 0.003, 0.002, 0.025],  # ten-fold, but below the minimum level
             4: [0.02] * 7, 5: [0.01] * 7, 6: [0.012] * 7}
    counts = {1: [0.01] * 6 + [0.04], 2: [0.01] * 6 + [0.013]}
    facts = [fact(i, m, "amount_overdue_rate", r) for i, rs in rates.items() for m, r in zip(ms, rs)]
    facts += [fact(i, m, "project_overdue_rate", r) for i, rs in counts.items() for m, r in zip(ms, rs)]
    found = overdue_jump(Snapshot(institutions=insts, facts=facts), P, AS_OF)
    assert [f.institution_uscc for f in found] == [insts[0].uscc]
    metrics = found[0].evidence.metrics
    assert metrics["baseline"] == pytest.approx(0.011) and metrics["count_rate_rise"] == pytest.approx(0.03)
    assert metrics["city_median"] == pytest.approx(0.0225)
    # the same jump where the whole city's rate rose with it is no outlier
    city = [fact(i, ms[-1], "amount_overdue_rate", 0.05, published=date(2018, 8, 10)) for i in range(7, 12)]
    assert overdue_jump(Snapshot(institutions=insts, facts=facts + city), P, AS_OF) == []


def test_disclosure_late_and_stopped():
    a, b, c = inst(1), inst(2), inst(3)
    facts = [fact(1, m, "outstanding_balance", 1e8) for m in months(date(2018, 1, 1), 7)]  # through July
    facts += [fact(2, m, "outstanding_balance", 1e8) for m in months(date(2018, 1, 1), 4)]  # through April
    facts += [fact(3, m, "outstanding_balance", 1e8) for m in months(date(2018, 1, 1), 5)]  # through May
    snap = Snapshot(institutions=[a, b, c], facts=facts)
    as_of = datetime(2018, 8, 28, tzinfo=timezone.utc)  # July due by Aug 25 (grace 25 days)
    found = {f.institution_uscc: f for f in disclosure_late(snap, P, as_of)}
    assert set(found) == {b.uscc, c.uscc}
    assert found[b.uscc].severity == "high" and found[b.uscc].evidence.metrics["months_missing"] == 3
    assert found[c.uscc].severity == "medium"
    assert found[c.uscc].evidence.metrics["late_periods"] == ["2018-06", "2018-07"]
    # on Aug 20 July's report is not due yet: C has one report missing, which is not a pattern
    early = {f.institution_uscc for f in disclosure_late(snap, P, datetime(2018, 8, 20, tzinfo=timezone.utc))}
    assert c.uscc not in early and b.uscc in early


def test_disclosure_late_counts_reports_published_after_their_due_date_not_one_late_report():
    a, b, c = inst(1), inst(2), inst(3)
    ms = months(date(2018, 1, 1), 7)  # January to July, all out by now
    late = {date(2018, 3, 1): date(2018, 5, 2), date(2018, 5, 1): date(2018, 7, 3)}  # due Apr 25 and Jun 25
    facts = [fact(1, m, "outstanding_balance", 1e8, published=late.get(m)) for m in ms]
    facts += [fact(2, m, "outstanding_balance", 1e8, published=date(2018, 5, 2) if m.month == 3 else None)
              for m in ms]
    # C skipped March and May while publishing the months around them: gaps, not counted
    facts += [fact(3, m, "outstanding_balance", 1e8) for m in ms if m.month not in (3, 5)]
    found = disclosure_late(Snapshot(institutions=[a, b, c], facts=facts), P, AS_OF)
    assert [f.institution_uscc for f in found] == [a.uscc]
    assert found[0].severity == "medium" and found[0].evidence.metrics["late_periods"] == ["2018-03", "2018-05"]
def test_site_down_needs_recent_failures():
    a, b = inst(1), inst(2)
    docs = {}
    for k in range(4):
        t = AS_OF - timedelta(days=k + 1)
        docs[10 + k] = DocRef(10 + k, f"http://p1.example/{k}", 1, 503 if k < 3 else 200, t)
        docs[20 + k] = DocRef(20 + k, f"http://p2.example/{k}", 2, 200 if k else 500, t)  # one old failure
    docs[30] = DocRef(30, "http://p2.example/old", 2, 500, AS_OF - timedelta(days=60))
    found = site_down(Snapshot(institutions=[a, b], documents=docs), P, AS_OF)
    assert [f.institution_uscc for f in found] == [a.uscc]
    assert found[0].evidence.metrics == {"fetches": 4, "failures": 3}


def test_complaint_surge_against_own_baseline():
    a, b = inst(1), inst(2)
    events = [event(1, "complaint", AS_OF.date() - timedelta(days=d), "无法提现", ["提现困难"]) for d in (1, 3, 5, 8, 13, 20)]
    events += [event(1, "complaint", AS_OF.date() - timedelta(days=100), "逾期未还")]
    # B: the same recent volume, but it always had that many complaints
    for start in range(0, 210, 30):
        events += [event(2, "complaint", AS_OF.date() - timedelta(days=start + d), "逾期") for d in (1, 4, 9, 15, 22, 27)]
    # benign posts don't count
    events += [event(1, "complaint", AS_OF.date() - timedelta(days=2), "客服态度不好") for _ in range(5)]
    found = complaint_surge(Snapshot(institutions=[a, b], events=events), P, AS_OF)
    assert [f.institution_uscc for f in found] == [a.uscc]
    assert found[0].evidence.metrics["recent"] == 6


def test_litigation_one_finding_per_kind_within_the_year():
    a, b = inst(1), inst(2)
    sued = lambda who: f"开庭公告\n原告：{who}\n被告：{a.name}（统一社会信用代码：{a.uscc}）\n案由：网络借贷合同纠纷"  # noqa: E731
    events = [event(1, "lawsuit", date(2018, 5, 1), "网络借贷合同纠纷", amount=5e5, body=sued("张三")),
              event(1, "lawsuit", date(2018, 6, 1), "网络借贷合同纠纷", amount=1e6, body=sued("李四")),
              event(1, "dishonest", date(2018, 7, 1), "失信被执行人"),
              event(2, "lawsuit", date(2016, 1, 1), "old case")]
    found = litigation(Snapshot(institutions=[a, b], events=events), P, AS_OF)
    assert {(f.institution_uscc, f.key) for f in found} == {(a.uscc, "lawsuit"), (a.uscc, "dishonest")}
    lawsuit = next(f for f in found if f.key == "lawsuit")
    assert lawsuit.severity == "medium" and lawsuit.evidence.metrics == {"events": 2, "amount": 1.5e6, "against": 2}
    assert next(f for f in found if f.key == "dishonest").severity == "critical"


def test_litigation_reads_an_amount_stated_only_in_the_text_and_shows_none_unknown():
    a = inst(1)
    body = f"民事判决书\n原告：张三\n被告：{a.name}\n判令被告偿还借款本金460,000元及利息"
    stated = [event(1, "lawsuit", date(2018, 5, 1), "网络借贷合同纠纷", body=body),
              event(1, "lawsuit", date(2018, 6, 1), "涉案金额12万元", body=f"被告：{a.name}")]
    found = litigation(Snapshot(institutions=[a], events=stated), P, AS_OF)
    assert found[0].evidence.metrics["amount"] == 580000.0
    unknown = [event(1, "lawsuit", date(2018, 5, 1), "网络借贷合同纠纷", body=f"原告：张三\n被告：{a.name}")]
    found = litigation(Snapshot(institutions=[a], events=unknown), P, AS_OF)
    assert found[0].evidence.metrics == {"events": 1, "against": 1}


def test_litigation_a_platform_suing_its_borrowers_is_business_as_usual():
    a, b = inst(1), inst(2)
    events = [event(1, "lawsuit", date(2018, 5, 1), f"{a.name}与张三金融借款合同纠纷一案开庭公告",
                    body=f"开庭公告\n原告:{a.name}\n被告:张三\n案由:金融借款合同纠纷"),
              event(1, "enforcement", date(2018, 6, 1), "执行案件",
                    body=f"申请执行人：{a.name}\n被执行人：张三"),
              event(2, "lawsuit", date(2018, 6, 1), "借款合同纠纷")]  # the record does not say which side
    found = litigation(Snapshot(institutions=[a, b], events=events), P, AS_OF)
    assert [(f.institution_uscc, f.severity) for f in found] == [(b.uscc, "low")]


def test_frequent_changes_count_only_who_owns_or_runs_the_firm():
    a = inst(1)
    changes = [(date(2018, 1, 5), "注册资本：5000万元 → 10000万元"), (date(2018, 2, 5), "住所：A路1号 → B路2号"),
               (date(2018, 4, 5), "注册资本：1亿元 → 2000万元")]
    events = [event(1, "registry_change", d, f"{a.name} {t}") for d, t in changes]
    assert frequent_changes(Snapshot(institutions=[a], events=events), P, AS_OF) == []  # one capital cut
    events.append(event(1, "registry_change", date(2018, 5, 5), f"{a.name} 股东：王五（10%） → 赵六（10%）"))
    [found] = frequent_changes(Snapshot(institutions=[a], events=events[2:]), P, AS_OF)
    assert found.severity == "medium" and found.evidence.metrics["change_dates"] == ["2018-04-05", "2018-05-05"]
    # four changes in the year around a change of control: a flurry, high
    [found] = frequent_changes(Snapshot(institutions=[a], events=events), P, AS_OF)
    assert found.severity == "high" and found.evidence.metrics["other_change_dates"] == ["2018-01-05", "2018-02-05"]
    # the ordinary changes alone, however many, say nothing
    ordinary = [event(1, "registry_change", date(2018, m, 5), f"{a.name} 住所：A{m} → B{m}") for m in range(1, 8)]
    assert frequent_changes(Snapshot(institutions=[a], events=ordinary), P, AS_OF) == []


def test_frequent_changes_from_events_and_relations():
    a, b = inst(1), inst(2)
    comp_a = NS(id=11, uscc=a.uscc, name="A", address=None, registered_capital=None, paid_in_capital=None,
                document_id=None, registry_url=None, available_at=at(date(2017, 1, 1)))
    comp_b = NS(id=12, uscc=b.uscc, name="B", address=None, registered_capital=None, paid_in_capital=None,
                document_id=None, registry_url=None, available_at=at(date(2017, 1, 1)))
    rel = lambda obj, kind, vf, vt=None: NS(kind=kind, object_kind="company", object_id=obj, valid_from=vf,  # noqa: E731
                                            valid_to=vt, document_id=None, available_at=at(date(2018, 8, 1)))
    relations = [rel(11, "legal_representative", date(2018, 2, 1), date(2018, 6, 1)),
                 rel(11, "legal_representative", date(2018, 6, 1)),
                 rel(11, "shareholder", date(2018, 7, 15)),
                 rel(12, "legal_representative", date(2015, 1, 1))]
    events = [event(1, "registry_change", date(2018, 6, 1), "法定代表人变更")]
    snap = Snapshot(institutions=[a, b], companies=[comp_a, comp_b], relations=relations, events=events)
    found = frequent_changes(snap, P, AS_OF)
    assert [f.institution_uscc for f in found] == [a.uscc]
    # the event restates the 2018-06-01 relation change: three distinct dates, not four
    assert found[0].evidence.metrics["change_dates"] == ["2018-02-01", "2018-06-01", "2018-07-15"]


def _company(i, uscc, address=None, reg=None, paid=None):
    return NS(id=i, uscc=uscc, name=f"公司{i}", address=address, registered_capital=reg, paid_in_capital=paid,
              document_id=None, registry_url=f"http://registry.example/{i}", available_at=at(date(2017, 1, 1)))


def test_capital_gap():
    a, b = inst(1), inst(2)
    snap = Snapshot(institutions=[a, b], companies=[_company(1, a.uscc, reg=1e8, paid=5e6),
                                                    _company(2, b.uscc, reg=1e8, paid=8e7)])
    found = capital_gap(snap, P, AS_OF)
    assert [f.institution_uscc for f in found] == [a.uscc]
    assert found[0].evidence.metrics["paid_ratio"] == pytest.approx(0.05)
    assert found[0].evidence.documents[0].url == "http://registry.example/1"


def test_shared_address_counts_firms_at_the_same_address():
    a, b = inst(1), inst(2)
    companies = [_company(1, a.uscc, "深圳市福田区某路1号 A座1001"), _company(2, b.uscc, "深圳市南山区科技园2号")]
    companies += [_company(10 + k, None, "深圳市福田区某路1号A座1001") for k in range(5)]  # spacing differs
    found = shared_address(Snapshot(institutions=[a, b], companies=companies), P, AS_OF)
    assert [f.institution_uscc for f in found] == [a.uscc]
    assert found[0].evidence.metrics["firms"] == 6


def test_borrower_cap_and_concentration_from_disclosures():
    a, b, c = inst(1), inst(2), inst(3)
    ms = months(date(2018, 1, 1), 7)
    p = ms[-1]
    facts = [fact(1, p, "top1_borrower_share", 0.02), fact(1, p, "outstanding_balance", 2e8),  # 400万 > 100万
             fact(2, p, "top1_borrower_share", 0.001), fact(2, p, "outstanding_balance", 2e8)]  # 20万
    facts += [fact(1, m, "top10_borrower_share", s) for m, s in zip(ms, [0.3, 0.32, 0.3, 0.35, 0.33, 0.5, 0.65])]
    facts += [fact(2, m, "top10_borrower_share", 0.05) for m in ms]
    # C: a young platform concentrated from its first month, not rising
    facts += [fact(3, m, "top10_borrower_share", s) for m, s in zip(ms, [0.6, 0.58, 0.62, 0.6, 0.59, 0.6, 0.61])]
    found = borrower_limits(Snapshot(institutions=[a, b, c], facts=facts), P, AS_OF)
    assert sorted((f.institution_uscc, f.kind) for f in found) == [(a.uscc, "borrower_cap"),
                                                                  (a.uscc, "borrower_concentration")]
    cap = next(f for f in found if f.kind == "borrower_cap")
    assert cap.evidence.metrics["top1_amount"] == pytest.approx(4e6)
    conc = next(f for f in found if f.kind == "borrower_concentration")
    assert conc.evidence.metrics["top10_share_before"] == pytest.approx(0.325)


def test_fingerprints_stable_across_dates_and_unique_per_kind():
    a = inst(1)
    events = [event(1, "lawsuit", date(2018, 5, 1)), event(1, "enforcement", date(2018, 6, 1))]
    snap = Snapshot(institutions=[a], events=events)
    one = compute_indicators(snap, AS_OF, only=["litigation"])
    two = compute_indicators(snap, AS_OF + timedelta(days=30), only=["litigation"])
    assert {f.fingerprint for f in one} == {f.fingerprint for f in two}
    assert len({f.fingerprint for f in one}) == 2


def test_load_snapshot_respects_as_of(sqlite_store):
    from monitor.db import session_scope
    from monitor.models import DisclosureFact, Document, Event, Institution

    with session_scope(sqlite_store) as s:
        i = Institution(name="甲", name_norm="甲", uscc=uscc_for(1))
        s.add(i)
        s.flush()
        s.add(Document(url="http://p/1", sha256="x" * 64, institution_id=i.id, http_status=200,
                       fetched_at=at(date(2018, 8, 1)), available_at=at(date(2018, 8, 1)), body=b"big"))
        s.add(DisclosureFact(institution_id=i.id, period=date(2018, 6, 1), metric="avg_yield", value=0.1, unit="ratio",
                             available_at=at(date(2018, 7, 10))))
        s.add(DisclosureFact(institution_id=i.id, period=date(2018, 7, 1), metric="avg_yield", value=0.1, unit="ratio",
                             available_at=at(date(2018, 8, 10))))
        s.add(Event(kind="lawsuit", institution_id=i.id, title="t", available_at=at(date(2018, 9, 1))))
    with session_scope(sqlite_store) as s:
        snap = load_snapshot(s, datetime(2018, 8, 5, tzinfo=timezone.utc))
    assert [f.period for f in snap.facts] == [date(2018, 6, 1)]
    assert snap.events == [] and len(snap.documents) == 1
    assert not hasattr(next(iter(snap.documents.values())), "body")
