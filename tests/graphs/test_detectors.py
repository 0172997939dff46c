"""Each detector on hand-built flows and registries: a positive case with its evidence, and a negative case."""

from __future__ import annotations

from datetime import date

import pytest

from graphs.detectors import DETECTORS, Inputs, module
from graphs.registry import related_party_graph
from graphs.run import detect_partition
from tests.graphs.builders import (AS_OF, COLLECTOR_FIRM, PLATFORM, Platform, converging_platform, edge, months,
                                   registry_with_controller, uscc)


def run(name, inputs, **params):
    return module(name).detect(inputs, params or None, AS_OF)


def test_healthy_platform_raises_nothing_at_medium_or_above():
    findings = detect_partition(Platform().inputs(registry_with_controller()), as_of=AS_OF)
    assert [f for f in findings if f.at_least("medium")] == []


def test_every_detector_module_documents_what_it_catches_and_misses():
    for name in DETECTORS:
        doc = module(name).__doc__
        assert "Catches" in doc and "Misses" in doc and "Complexity" in doc, name
        assert module(name).NAME == name


def test_unknown_parameter_is_an_error():
    with pytest.raises(KeyError, match="unknown parameter"):
        run("ponzi", Platform().inputs(), no_such_param=1)


# --------------------------------------------------------------------------- ponzi
def ponzi_platform():
    p = Platform()
    for q in months()[-4:]:
        for l in range(10):  # payouts double the repayments: the extra comes from new lenders
            p.edges.append(edge("C", f"L{l}", q, 150_000, day=26))
    return p


def test_ponzi_finds_payouts_not_funded_by_repayments():
    [f] = run("ponzi", ponzi_platform().inputs())
    assert f.kind == "ponzi" and f.institution_uscc == PLATFORM and f.at_least("medium")
    gaps = f.evidence.metrics["gap_share_by_month"]
    assert list(gaps) == months()[-2:] and all(g > 0.5 for g in gaps.values())
    assert f.evidence.metrics["payouts"] > f.evidence.metrics["borrower_repayments"]
    assert f.window_end == date(2017, 12, 31)
    assert any(e.dst.startswith("L") and e.src == "C" for e in f.evidence.edges)


def test_ponzi_judged_rising_against_a_baseline_of_earlier_months():
    [f] = run("ponzi", ponzi_platform().inputs())
    m = f.evidence.metrics
    assert m["rising"] is True and m["baseline_months"] >= 3 and m["gap_share_earlier_mean"] < m["gap_share_mean"]


@pytest.mark.parametrize("n,found", [(2, False), (5, False), (6, True)])
def test_ponzi_needs_six_months_of_history_before_judging(n, found):
    # From the first month on, payouts with no repayments behind them: a young platform's normal start.
    p = Platform(periods=months(n))
    for q in p.periods:
        for l in range(10):
            p.edges.append(edge("C", f"L{l}", q, 150_000, day=26))
    assert bool(run("ponzi", p.inputs())) is found


def test_ponzi_quiet_when_repayments_fund_payouts():
    assert run("ponzi", Platform().inputs()) == []


def test_ponzi_yield_far_above_peers_is_supporting_evidence():
    facts = [{"period": date(2017, 11, 1), "metric": "avg_yield", "value": 0.16, "url": "/p/x/2017-11.html"}]
    [f] = run("ponzi", ponzi_platform().inputs(facts=facts, peers={"median_yield": 0.09}))
    assert f.evidence.metrics["yield_above_peers"] is True
    assert f.evidence.documents[0].url == "/p/x/2017-11.html"


# --------------------------------------------------------------------------- scatter-gather / self-financing
def test_self_financing_follows_converging_loans_to_a_related_firm():
    findings = run("self_financing", converging_platform().inputs(registry_with_controller()))
    [f] = [f for f in findings if f.key == "X"]
    assert f.severity == "critical"
    assert f.evidence.metrics["borrowers"] == 18 and f.evidence.metrics["tie"] == "related_company"
    # the related-party path runs platform → shareholder 张三 → the collector firm
    path = f.evidence.paths[0]
    assert "张三" in path[1] and "李氏投资" in path[2]
    roles = {a.role for a in f.evidence.accounts}
    assert {"custody", "collector", "nominal_borrower"} <= roles


def test_self_financing_needs_a_tie_but_scatter_gather_still_sees_the_convergence():
    inputs = converging_platform(holder=("陌生人", "35010119700101999X")).inputs(registry_with_controller())
    assert run("self_financing", inputs) == []
    [f] = run("scatter_gather", inputs)
    assert f.key == "X" and f.evidence.metrics["borrowers"] == 18
    assert f.evidence.metrics["gathered_share"] == pytest.approx(140 / 150, abs=1e-4)


def test_scatter_gather_quiet_on_varied_spending():
    assert run("scatter_gather", Platform().inputs()) == []


@pytest.mark.parametrize("each,found", [(57_000, False), (140_000, True)])
def test_scatter_gather_needs_a_material_sum(each, found):
    """Four borrowers paying one shop 228,000 元 in all is chance on a large platform; 560,000 is not."""
    p = Platform()
    p.accounts["X"] = {"holder_name": "某家具经营部", "holder_id": None}
    for b, q in enumerate(months()[-4:]):
        acc = f"B{b}"
        p.accounts[acc] = {"holder_name": f"借款人{b}", "holder_id": f"44030119850101{b:04d}"}
        p.edges.append(edge("C", acc, q, each + 10_000, day=10))
        p.edges.append(edge(acc, "X", q, each, day=14))
    findings = run("scatter_gather", p.inputs())
    assert [(f.key, f.evidence.metrics["borrowers"]) for f in findings] == ([("X", 4)] if found else [])


def test_direct_related_lending_disclosed_is_low_undisclosed_is_high():
    p = Platform()
    p.accounts["R"] = {"holder_name": "李氏投资有限公司", "holder_id": COLLECTOR_FIRM}
    p.edges.append(edge("C", "R", "2017-11", 800_000, day=10))
    reg = registry_with_controller()
    [hidden] = run("self_financing", p.inputs(reg))
    assert hidden.severity == "high" and hidden.key == "direct:R"
    facts = [{"period": date(2017, 11, 1), "metric": "related_party_balance", "value": 800_000.0,
              "url": "/p/x/2017-11.html"}]
    [shown] = run("self_financing", p.inputs(reg, facts=facts))
    assert shown.severity == "low" and shown.evidence.metrics["disclosed"] is True


def test_direct_related_lending_disclosed_in_part_uses_disclosure_mismatch_s_floor():
    p = Platform()
    p.accounts["R"] = {"holder_name": "李氏投资有限公司", "holder_id": COLLECTOR_FIRM}
    p.edges.append(edge("C", "R", "2017-11", 800_000, day=10))
    reg = registry_with_controller()

    def disclosed(value):
        return [{"period": date(2017, 11, 1), "metric": "related_party_balance", "value": value,
                 "url": "/p/x/2017-11.html"}]
    # 40 % of what flows show owed is a disclosure (its magnitude is disclosure_mismatch's question)
    [partly] = run("self_financing", p.inputs(reg, facts=disclosed(320_000.0)))
    assert partly.severity == "low" and partly.evidence.metrics["disclosed"] is True
    # 10 %: below disclosure_mismatch's related_floor, as good as hidden
    [token] = run("self_financing", p.inputs(reg, facts=disclosed(80_000.0)))
    assert token.severity == "high" and token.title.startswith("未披露")
    assert module("self_financing").DEFAULTS["disclosed_cover"] == module("disclosure_mismatch").DEFAULTS["related_floor"]


def test_direct_related_lending_before_any_report_is_due_is_pending_not_undisclosed():
    from datetime import datetime, timezone

    p = Platform()
    p.accounts["R"] = {"holder_name": "李氏投资有限公司", "holder_id": COLLECTOR_FIRM}
    p.edges.append(edge("C", "R", "2017-12", 800_000, day=10))  # December's report is due 2018-01-25
    reg = registry_with_controller()
    [pending] = run("self_financing", p.inputs(reg))  # as of 2018-01-05: nothing disclosed, nothing due yet
    assert pending.severity == "low" and pending.title.startswith("待披露")
    assert pending.evidence.metrics["disclosure_due"] == "2018-01-25"
    later = datetime(2018, 2, 5, tzinfo=timezone.utc)  # due and still nothing disclosed
    [hidden] = module("self_financing").detect(p.inputs(reg), None, later)
    assert hidden.severity == "high" and hidden.title.startswith("未披露")
    assert pending.fingerprint == hidden.fingerprint  # the same finding, grown worse


# --------------------------------------------------------------------------- fund pool
def test_fund_pool_custody_money_to_own_general_account():
    p = Platform()
    for q in months()[-3:]:
        p.edges.append(edge("C", "G", q, 400_000, day=15))
    [f] = run("fund_pool", p.inputs())
    # 400,000 a month out of about 1,880,000 paid in (lenders and repayments)
    assert f.evidence.metrics["share"] == pytest.approx(0.2234, abs=1e-3) and f.severity == "high"
    assert any(a.account_no == "G" for a in f.evidence.accounts)


def test_fund_pool_lenders_paying_the_general_account():
    p = Platform()
    for l in range(8):
        p.edges.append(edge(f"L{l}", "G", "2017-12", 100_000, day=3))
    [f] = run("fund_pool", p.inputs())
    assert f.evidence.metrics["bypass_payers"] == 8


def test_fund_pool_quiet_on_fee_withdrawals():
    assert run("fund_pool", Platform().inputs()) == []


# --------------------------------------------------------------------------- capital flight
def flight_platform(stop_lending=True):
    p = Platform()
    p.accounts["Z"] = {"holder_name": "张三", "holder_id": "440301198001011234"}
    p.edges.append(edge("C", "Z", "2017-11", 800_000, day=20))
    p.edges.append(edge("C", "Z", "2017-12", 2_000_000, day=20))
    if stop_lending:
        p.edges = [e for e in p.edges if not (e["src"] == "C" and e["dst"].startswith("B") and
                                             e["period"] in ("2017-11", "2017-12"))]
    return p


def test_capital_flight_spike_to_controller_with_lending_collapse():
    [f] = run("capital_flight", flight_platform().inputs(registry_with_controller()))
    assert f.severity == "high" and f.evidence.metrics["new_lending_collapsing"] is True
    assert f.evidence.metrics["spike_month"] == "2017-12"
    assert f.evidence.paths and "张三" in f.evidence.paths[0][1]


def test_capital_flight_sudden_stop_of_lending_in_the_latest_month_is_a_collapse():
    p = flight_platform(stop_lending=False)
    # November still lends as usual; December stops (the two-month mean alone would hide it)
    p.edges = [e for e in p.edges if not (e["src"] == "C" and e["dst"].startswith("B") and e["period"] == "2017-12")]
    [f] = run("capital_flight", p.inputs(registry_with_controller()))
    assert f.severity == "high" and f.evidence.metrics["disbursals_last_month"] == 0
    assert f.evidence.metrics["disbursals_recent_mean"] >= 0.5 * f.evidence.metrics["disbursals_prior_mean"]
    [usual] = run("capital_flight", flight_platform(stop_lending=False).inputs(registry_with_controller()))
    assert usual.evidence.metrics["new_lending_collapsing"] is False


def test_capital_flight_a_fifth_of_the_lenders_money_leaving_is_high_while_lending_goes_on():
    # 2.8 million to the controller in two months of 2 million paid in by lenders, lending as usual
    [f] = run("capital_flight", flight_platform(stop_lending=False).inputs(registry_with_controller()))
    assert f.severity == "high" and f.evidence.metrics["new_lending_collapsing"] is False
    assert f.evidence.metrics["share"] == pytest.approx(1.4)
    # 300,000 (15 % of what lenders paid in): a spike, not yet a drain of that size
    p = Platform()
    p.accounts["Z"] = {"holder_name": "张三", "holder_id": "440301198001011234"}
    p.edges += [edge("C", "Z", "2017-11", 100_000, day=20), edge("C", "Z", "2017-12", 200_000, day=20)]
    [small] = run("capital_flight", p.inputs(registry_with_controller()))
    assert small.severity == "medium" and small.evidence.metrics["share"] == pytest.approx(0.15)
    # the same spike while December's payouts to lenders fall to a third of what borrowers repaid
    for e in p.edges:
        if e["src"] == "C" and e["dst"].startswith("L") and e["period"] == "2017-12":
            e["amount"] *= 0.3
    [held] = run("capital_flight", p.inputs(registry_with_controller()))
    assert held.severity == "high" and held.evidence.metrics["payouts_held_back"] is True
    assert held.evidence.metrics["new_lending_collapsing"] is False


def test_capital_flight_offshore_like_firm_without_registry():
    p = Platform()
    p.accounts["HK"] = {"holder_name": "香港恒达国际投资有限公司", "holder_id": None}
    p.edges.append(edge("C", "HK", "2017-11", 1_000_000, day=20))
    p.edges.append(edge("C", "HK", "2017-12", 3_000_000, day=20))
    [f] = run("capital_flight", p.inputs())
    assert f.evidence.accounts[1].role == "offshore" and f.evidence.metrics["increase"] == 4_000_000


def test_capital_flight_insiders_flat_payroll_and_one_off_dividend_are_quiet():
    p = Platform()
    p.accounts["BOSS"] = {"holder_name": "赵六", "holder_id": "440301197001011111"}
    for q in months():
        p.edges.append(edge("G", "BOSS", q, 40_000, day=10))  # salary from the general account
    assert run("capital_flight", p.inputs()) == []
    p.edges.append(edge("G", "BOSS", "2017-12", 600_000, day=28))  # year-end dividend, one month
    assert run("capital_flight", p.inputs()) == []
    p.edges.append(edge("G", "BOSS", "2017-11", 500_000, day=28))  # two months running: flight
    [f] = run("capital_flight", p.inputs())
    assert f.evidence.accounts[1].role == "insider" and f.evidence.metrics["receivers_spiking"] == 1


def drained_platform(stop_lending=True, hold_payouts=True):
    """From November: custody → general → two new firms, rising; lending and payouts as chosen."""
    p = Platform()
    for acc, name in (("N1", "深圳市新锐贸易有限公司"), ("N2", "深圳市恒通咨询有限公司")):
        p.accounts[acc] = {"holder_name": name, "holder_id": None}
    for q, amount in (("2017-11", 600_000), ("2017-12", 1_200_000)):
        p.edges.append(edge("C", "G", q, amount, day=21, purpose="提现"))
        p.edges.append(edge("G", "N1", q, amount / 2, day=22))
        p.edges.append(edge("G", "N2", q, amount / 2, day=23))
    late = ("2017-11", "2017-12")
    if stop_lending:
        p.edges = [e for e in p.edges if not (e["src"] == "C" and e["dst"].startswith("B") and e["period"] in late)]
    if hold_payouts:
        for e in p.edges:
            if e["src"] == "C" and e["dst"].startswith("L") and e["period"] in late:
                e["amount"] *= 0.3
    return p


def test_capital_flight_precursors_new_receivers_lending_dries_up_payouts_held():
    [f] = run("capital_flight", drained_platform().inputs())
    m = f.evidence.metrics
    assert f.severity == "high" and m["precursor"] is True and m["receivers_new"] == 2
    assert m["new_lending_collapsing"] is True and m["payouts_held_back"] is True
    assert {a.role for a in f.evidence.accounts[1:]} == {"new_receiver"}
    [one] = run("capital_flight", drained_platform(hold_payouts=False).inputs())
    assert one.severity == "medium" and one.evidence.metrics["payouts_held_back"] is False


def test_capital_flight_precursors_need_lending_or_payouts_to_falter():
    # Money to new firms alone (a platform paying new suppliers while lending as usual) is not flight.
    assert run("capital_flight", drained_platform(stop_lending=False, hold_payouts=False).inputs()) == []


def test_capital_flight_needs_the_registry_to_know_the_controller():
    assert run("capital_flight", flight_platform().inputs(None)) == []



def running_month(*edges_, through="2018-01-14"):
    from graphs.detectors import RunningMonth
    from graphs.flows import flow_edges

    return RunningMonth("2018-01", through, list(flow_edges(list(edges_))))


def test_capital_flight_month_to_date_warns_during_the_month_the_draining_goes_on():
    from dataclasses import replace
    from datetime import datetime, timezone

    p = Platform()
    p.accounts["BOSS"] = {"holder_name": "赵六", "holder_id": "440301197001011111"}
    for q in months():
        p.edges.append(edge("G", "BOSS", q, 40_000, day=10))  # salary
    p.edges.append(edge("G", "BOSS", "2017-12", 500_000, day=28))  # December: one month only so far
    mid_january = datetime(2018, 1, 15, tzinfo=timezone.utc)
    inputs = p.inputs()
    assert module("capital_flight").detect(inputs, None, mid_january) == []
    # what the bank reported of January by the 14th already passes the spike: it can only grow
    so_far = running_month(edge("G", "BOSS", "2018-01", 300_000, day=9), edge("L1", "C", "2018-01", 100_000, day=2))
    [f] = module("capital_flight").detect(replace(inputs, running=so_far), None, mid_january)
    assert f.evidence.metrics["month_to_date"] == "2018-01-14" and f.window_end == date(2018, 1, 14)
    assert f.evidence.metrics["spike_month"] == "2017-12" and "2018-01截至01-14已30万元" in f.title
    assert f.evidence.metrics["outflows_by_month"]["2018-01"] == 300_000
    assert f.severity == "medium" and f.evidence.accounts[1].account_no == "BOSS"
    # evidence: December (salary + 500,000) and January so far, summed per account pair
    assert [(e.src, e.dst, e.amount) for e in f.evidence.edges][:1] == [("G", "BOSS", 540_000 + 300_000)]
    # the same pattern as the whole-month finding: one fingerprint across the two
    assert f.key == "flight"
    # below the spike so far (the salary and a little more): nothing yet
    little = running_month(edge("G", "BOSS", "2018-01", 90_000, day=9))
    assert module("capital_flight").detect(replace(inputs, running=little), None, mid_january) == []
    # receivers unknown to the complete months do not count (no ties to read)
    stranger = running_month(edge("G", "NEW", "2018-01", 5_000_000, day=9))
    assert module("capital_flight").detect(replace(inputs, running=stranger), None, mid_january) == []

# --------------------------------------------------------------------------- round tripping
def test_round_tripping_cycles_of_bounded_length():
    p = Platform()
    for i in range(3):
        a, b, c = f"RA{i}", f"RB{i}", f"RC{i}"
        p.edges += [edge(a, b, "2017-11", 500_000), edge(b, c, "2017-11", 490_000), edge(c, a, "2017-12", 480_000)]
    [f] = run("round_tripping", p.inputs())
    assert f.evidence.metrics["cycles"] == 3
    assert all(path[0] == path[-1] and len(path) == 4 for path in f.evidence.paths)
    # a cycle longer than the bound is not found
    assert run("round_tripping", p.inputs(), max_length=2) == []


def test_round_tripping_ignores_lending_back_and_forth():
    assert run("round_tripping", Platform().inputs()) == []


# --------------------------------------------------------------------------- guarantee circles
def test_guarantee_circle_through_a_related_firm():
    firms = [{"id": 3, "name": "丙公司", "uscc": uscc(3)}, {"id": 4, "name": "丁公司", "uscc": uscc(4)}]
    guarantees = [{"kind": "guarantee", "subject_kind": "company", "subject_id": s, "object_kind": "company",
                   "object_id": o, "amount": 5_000_000.0} for s, o in ((2, 3), (3, 4), (4, 2))]
    reg = registry_with_controller(guarantees, firms)
    [f] = run("guarantee_circle", Inputs(PLATFORM, registry=reg))
    assert f.evidence.metrics["circles"] == 1 and f.evidence.metrics["firms"] == 3
    assert f.severity == "high"  # 15,000,000 guaranteed around the circle
    assert f.evidence.paths[0][0] == f.evidence.paths[0][-1]


def test_guarantee_chain_without_cycle_or_far_away_is_quiet():
    firms = [{"id": 3, "name": "丙公司", "uscc": uscc(3)}, {"id": 4, "name": "丁公司", "uscc": uscc(4)},
             {"id": 5, "name": "戊公司", "uscc": uscc(5)}]
    chain = [{"kind": "guarantee", "subject_kind": "company", "subject_id": s, "object_kind": "company",
              "object_id": o, "amount": 1.0} for s, o in ((2, 3), (3, 4), (4, 5), (5, 4))]  # 4<->5 is far away
    reg = registry_with_controller(chain, firms)
    assert run("guarantee_circle", Inputs(PLATFORM, registry=reg), k=2) == []


def test_guarantee_circle_among_the_platforms_borrower_firms():
    firms = [{"id": n, "name": f"借款企业{n}", "uscc": uscc(n)} for n in (30, 31, 32)]
    circle = [{"kind": "guarantee", "subject_kind": "company", "subject_id": s, "object_kind": "company",
               "object_id": o, "amount": 1_000_000.0} for s, o in ((30, 31), (31, 32), (32, 30))]
    city = registry_with_controller(circle, firms)
    p = Platform()
    p.accounts["F30"] = {"holder_name": "借款企业30", "holder_id": uscc(30)}
    p.edges.append(edge("C", "F30", "2017-12", 900_000, purpose="放款"))
    inputs = p.inputs(registry_with_controller())
    assert run("guarantee_circle", inputs) == []  # the platform's own component does not hold the circle
    inputs.city_registry = city
    [f] = run("guarantee_circle", inputs)
    assert f.evidence.metrics["borrowers_in_circles"] == 1 and f.evidence.metrics["related_firms_in_circles"] == 0
    assert f.evidence.accounts[0].account_no == "F30" and f.severity == "medium"


# --------------------------------------------------------------------------- borrowers
def test_borrower_cap_persons_above_200k_but_firms_below_1m_are_fine():
    p = Platform()
    for b in range(4):
        p.accounts[f"BIG{b}"] = {"holder_name": f"大额{b}", "holder_id": f"44030119700101{b:04d}"}
        p.edges.append(edge("C", f"BIG{b}", "2017-12", 500_000, day=10))
    [f] = run("borrower_cap", p.inputs())
    assert f.evidence.metrics["violators"] == 4
    firm = Platform()
    for b in range(4):
        firm.accounts[f"F{b}"] = {"holder_name": f"公司{b}", "holder_id": uscc(100 + b)}
        firm.edges.append(edge("C", f"F{b}", "2017-12", 500_000, day=10))
    assert run("borrower_cap", firm.inputs()) == []


def test_borrower_cap_never_counts_the_platform_s_own_operating_account():
    # The operating account: the platform's registered name, no ID in the bank file, big flows.
    p = Platform()
    p.accounts["OP"] = {"holder_name": "甲平台有限公司", "holder_id": None}
    for q in months()[-5:]:
        p.edges.append(edge("C", "OP", q, 2_000_000, day=15))
    flows = p.flows()
    assert "OP" in flows.platform_accounts and "OP" not in flows.borrowers
    assert run("borrower_cap", p.inputs()) == []
    p.accounts["OP"] = {"holder_name": "营运账户", "holder_id": PLATFORM.lower()}  # the USCC, lower case
    assert "OP" not in p.flows().borrowers and run("borrower_cap", p.inputs()) == []


def test_borrower_cap_reads_the_outstanding_balance_not_gross_loans():
    p = Platform()
    for b in range(4):
        acc = f"BIG{b}"
        p.accounts[acc] = {"holder_name": f"大额{b}", "holder_id": f"44030119700101{b:04d}"}
        p.edges.append(edge("C", acc, "2017-06", 500_000, day=10))
        p.edges.append(edge(acc, "C", "2017-09", 400_000, day=10))  # 100,000 still owed: under the cap
    assert run("borrower_cap", p.inputs()) == []


def concentrated_platform():
    p = Platform()
    for b in range(10):
        p.accounts[f"K{b}"] = {"holder_name": f"大户{b}", "holder_id": uscc(200 + b)}
        p.edges.append(edge("C", f"K{b}", "2017-12", 900_000, day=10))
    return p


def test_borrower_concentration_alone_is_a_watch_item():
    [f] = run("borrower_concentration", concentrated_platform().inputs())
    assert f.severity == "low"
    assert f.evidence.metrics["top10_share"] > 0.5 > f.evidence.metrics["top10_share_before"]
    assert len(f.evidence.accounts) == 10 and all(a.account_no.startswith("K") for a in f.evidence.accounts)


def test_borrower_concentration_understated_in_disclosure_is_medium():
    share = run("borrower_concentration", concentrated_platform().inputs())[0].evidence.metrics["top10_share"]
    honest = [{"period": date(2017, 12, 1), "metric": "top10_borrower_share", "value": share - 0.02,
               "url": "/p/x/2017-12.html"}]
    assert run("borrower_concentration", concentrated_platform().inputs(facts=honest))[0].severity == "low"
    understated = [dict(honest[0], value=0.1)]
    [f] = run("borrower_concentration", concentrated_platform().inputs(facts=understated))
    assert f.severity == "medium" and f.evidence.documents[0].url == "/p/x/2017-12.html"


# --------------------------------------------------------------------------- disclosure mismatch
def balance_facts(before, after, url="/p/x/2017-12.html"):
    return [{"period": date(2017, 9, 1), "metric": "outstanding_balance", "value": before, "url": "/p/x/2017-09.html",
             "document_id": 4},
            {"period": date(2017, 12, 1), "metric": "outstanding_balance", "value": after, "url": url, "document_id": 5}]


# Net lending in Oct–Dec by construction: healthy book 3 × (800,000 lent − 880,000 repaid) = −240,000;
# the converging platform adds 3 × 6 × 150,000 = 2,700,000 of nominal loans.
def test_disclosure_mismatch_inflated_balance_and_hidden_related_lending():
    p = converging_platform()
    facts = balance_facts(10_000_000, 10_000_000 + 2_460_000 + 2_000_000)  # 2,000,000 more than flows show
    facts.append({"period": date(2017, 12, 1), "metric": "related_party_balance", "value": 0.0,
                  "url": "/p/x/2017-12.html", "document_id": 5})
    [f] = run("disclosure_mismatch", p.inputs(registry_with_controller(), facts=facts))
    assert set(f.evidence.metrics) == {"outstanding_balance", "related_party_balance"}
    assert f.severity == "high"
    bal = f.evidence.metrics["outstanding_balance"]
    assert bal["net_lending_in_flows"] == pytest.approx(2_460_000, abs=1)
    assert bal["excess"] == pytest.approx(2_000_000, abs=1)
    assert f.evidence.metrics["related_party_balance"]["flows"] >= 18 * 140_000
    assert {d.document_id for d in f.evidence.documents} >= {5}


def test_disclosure_mismatch_compares_the_related_balance_with_what_is_still_owed():
    p = Platform()
    p.accounts["R"] = {"holder_name": "李氏投资有限公司", "holder_id": COLLECTOR_FIRM}
    p.edges.append(edge("C", "R", "2017-08", 3_500_000, day=6, purpose="放款"))
    for q in ("2017-09", "2017-10", "2017-11", "2017-12"):
        p.edges.append(edge("R", "C", q, 725_000, day=20, purpose="还款"))  # 2,900,000 repaid by December

    def related(value):
        return [{"period": date(2017, 12, 1), "metric": "related_party_balance", "value": value, "url": "/p/x/c.html"}]
    # the honest disclosure of an amortising related loan: 600,000 still owed, though 3,500,000 went out
    assert run("disclosure_mismatch", p.inputs(registry_with_controller(), facts=related(600_000.0))) == []
    [f] = run("disclosure_mismatch", p.inputs(registry_with_controller(), facts=related(0.0)))
    assert f.evidence.metrics["related_party_balance"]["flows"] == pytest.approx(600_000)

def test_disclosure_consistent_with_flows_is_quiet():
    p = Platform()
    facts = balance_facts(10_000_000, 10_000_000 - 240_000 + 250_000)  # interest-sized excess only
    facts += [{"period": date(2017, 12, 1), "metric": "related_party_balance", "value": 0.0, "url": "/p/x/a.html"},
              {"period": date(2017, 12, 1), "metric": "overdue_amount", "value": 0.0, "url": "/p/x/a.html"}]
    assert run("disclosure_mismatch", p.inputs(registry_with_controller(), facts=facts)) == []


def test_disclosure_mismatch_overdue_understated_when_regular_repayers_stop():
    p = Platform()
    # the June cohort's borrowers repaid in Jul–Sep, then stopped: remove their Oct–Dec repayments
    p.edges = [e for e in p.edges if not (e["src"].startswith("B5_") and e["period"] >= "2017-10")]
    facts = [{"period": date(2017, 12, 1), "metric": "overdue_amount", "value": 10_000.0, "url": "/p/x/b.html"}]
    assert run("disclosure_mismatch", p.inputs(facts=facts), min_amount=100_000) == []  # off by default
    [f] = run("disclosure_mismatch", p.inputs(facts=facts), min_amount=100_000, check_overdue=True)
    od = f.evidence.metrics["overdue_amount"]
    assert od["borrowers_stopped"] == 20
    assert od["flows"] == pytest.approx(20 * (40_000 - 3 * 40_000 / 6 * 1.1), rel=1e-6)
    assert run("disclosure_mismatch", Platform().inputs(facts=facts), min_amount=100_000, check_overdue=True) == []


def test_fingerprints_are_stable_across_as_of_dates():
    from datetime import datetime, timezone

    p = converging_platform()
    inputs = p.inputs(registry_with_controller())
    a = {f.fingerprint for f in detect_partition(inputs, as_of=AS_OF)}
    b = {f.fingerprint for f in detect_partition(inputs, as_of=datetime(2018, 1, 20, tzinfo=timezone.utc))}
    assert a and a == b
