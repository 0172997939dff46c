"""Phase 2: a borrower fed by two platforms of different partitions, found on both engines alike."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from monitor.db import dispose_engines
from tests.conftest import make_config, uscc_for

A, B = uscc_for(201), uscc_for(202)
AS_OF = datetime(2018, 5, 6, tzinfo=timezone.utc)
X = ("6222000000000000001", "张三", "440301199001011234")  # borrows on A and on B
Y = ("6222000000000000002", "李四", "440301199102021235")  # borrows on A only
Z = ("6222000000000000003", "王五", "440301199203031236")  # lends on A and on B
HEADER = "交易流水号,交易时间,交易金额,付款账号,付款户名,付款方证件号,收款账号,收款户名,收款方证件号,摘要\n"


def statement(uscc: str, name: str, custody: str, rows: list[tuple]) -> str:
    """A custody statement: (day, amount, counterparty, direction, label) → CSV text."""
    lines = []
    for i, (day, amount, party, inbound, label) in enumerate(rows):
        platform = (custody, name, uscc)
        payer, payee = (party, platform) if inbound else (platform, party)
        lines.append(f"{uscc[-4:]}{i:05d},{day} 10:00:00,{amount:.2f},{payer[0]},{payer[1]},{payer[2]},"
                     f"{payee[0]},{payee[1]},{payee[2]},{label}\n")
    return HEADER + "".join(lines)


@pytest.fixture
def two_platforms(tmp_path):
    """Platforms A and B (no shared controller: two partitions) ingested through the store's ingest."""
    from monitor.db import init_db
    from monitor.ingest import ingest_paths

    cfg = make_config(tmp_path)
    init_db(cfg)
    lenders = [(f"62220000000000001{k:02d}", f"出借人{k}", f"44030119800101{k:03d}X") for k in range(6)]
    rows_a = [(f"2018-0{m}-0{k + 1}", 20_000.0 + 100 * k, lenders[k], True, "出借") for m in (1, 2, 3) for k in range(3)]
    rows_a += [("2018-02-10", 80_000.0, X, False, "放款"), ("2018-03-10", 10_000.0, X, True, "还款"),
               ("2018-02-12", 30_000.0, Y, False, "放款"), ("2018-01-20", 25_000.0, Z, True, "出借")]
    rows_b = [(f"2018-0{m}-0{k + 1}", 21_000.0 + 100 * k, lenders[3 + k], True, "出借") for m in (1, 2, 3)
              for k in range(3)]
    rows_b += [("2018-03-15", 90_000.0, X, False, "放款"), ("2018-02-20", 26_000.0, Z, True, "出借")]
    for uscc, name, custody, rows in ((A, "甲网络借贷信息中介有限公司", "4400000000000000A1", rows_a),
                                      (B, "乙网络借贷信息中介有限公司", "4400000000000000B1", rows_b)):
        path = tmp_path / "drop" / uscc / "statement.csv"
        path.parent.mkdir(parents=True)
        path.write_text(statement(uscc, name, custody, rows), encoding="utf-8")
    results = ingest_paths(cfg, [tmp_path / "drop"])
    assert [r.status for r in results] == ["ok", "ok"], [r.error for r in results]
    yield cfg
    dispose_engines()


def _names_both(finding) -> bool:
    text = json.dumps(finding.to_dict(), ensure_ascii=False)
    return A in text and B in text


def test_phase_two_finds_a_borrower_of_two_platforms_that_phase_one_cannot_see(two_platforms):
    from graphs.across import reduce_local, reduced_graph
    from graphs.run import detect

    keys = {A: A, B: B}
    G = reduced_graph(*reduce_local(two_platforms, AS_OF, keys), keys)
    holder = {info[2]: f"id:{info[2]}" for info in (X, Y, Z)}
    # Kept: the two institutions, and the holders seen in both partitions; not A's own borrower Y.
    assert set(G) == {f"id:{A}", f"id:{B}", holder[X[2]], holder[Z[2]]}
    assert G.nodes[holder[X[2]]]["partitions"] == (A, B)
    assert G[f"id:{B}"][holder[X[2]]]["2018-03"]["amount"] == 90_000.0
    assert "2018-05" not in {k for _u, _v, k in G.edges(keys=True)}  # the running month is left out

    phase_one = detect(two_platforms, AS_OF, across=False)
    assert not any(_names_both(f) for f in phase_one)
    both = detect(two_platforms, AS_OF)
    assert both[:len(phase_one)] == phase_one
    across = both[len(phase_one):]
    assert [(f.institution_uscc, f.kind, f.severity) for f in across] == [
        (A, "cross_platform_borrowing", "low"), (B, "cross_platform_borrowing", "low")]
    for f in across:
        assert f.evidence.metrics["institutions"] == [A, B]
        assert f.evidence.metrics["borrowers"] == 1  # X; the lender on both platforms is no borrower
        assert {a.account_no for a in f.evidence.accounts} == {X[0]}
        assert sorted(e.amount for e in f.evidence.edges) == [80_000.0, 90_000.0]
    # Over the cross-platform cap (here lowered to 100,000 元 outstanding), the pattern is medium.
    lowered = detect(two_platforms, AS_OF, params={"cross_platform_borrowing": {"person_cap": 100_000.0}})
    assert [f.severity for f in lowered[len(phase_one):]] == ["medium", "medium"]


@pytest.mark.spark
def test_spark_phase_two_gives_the_local_reduced_graph_and_findings(spark, two_platforms):
    """Spark SQL reduces the store to the graph DuckDB gives; the driver's detectors then agree.

    The whole Spark graph stage (phase 1 and 2) equals the local one on the small city in
    test_engine.py, whose borrowers on several platforms phase 2 finds.
    """
    from graphs.across import detect_across, reduce_local, reduced_graph
    from graphs.engines.spark import reduce_spark
    from graphs.run import detect

    keys = {A: A, B: B}
    local = reduced_graph(*reduce_local(two_platforms, AS_OF, keys), keys)
    remote = reduced_graph(*reduce_spark(spark, two_platforms, AS_OF, keys), keys)
    assert local.number_of_edges() > 4
    assert list(remote.nodes(data=True)) == list(local.nodes(data=True))
    assert list(remote.edges(keys=True, data=True)) == list(local.edges(keys=True, data=True))
    theirs = [f.to_dict() for f in detect(two_platforms, AS_OF) if f.detector == "cross_platform_borrowing"]
    mine = [f.to_dict() for f in detect_across(remote, None, AS_OF)]
    assert len(theirs) == 2 and mine == theirs
