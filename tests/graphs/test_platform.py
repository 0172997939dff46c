"""One platform's flows read at role level: purposes, masked IDs, roles, related parties."""

from __future__ import annotations

from graphs.platform import build_platform_flows, id_compatible, purpose_code, related_index
from tests.graphs.builders import PLATFORM


def test_id_compatible_and_purpose_codes():
    assert id_compatible("440301********1234", "440301198001011234")
    assert not id_compatible("440301********1234", "440301198001011235")
    assert not id_compatible(None, "440301198001011234")
    assert purpose_code("出借") == "invest" and purpose_code(" 兑付 ") == "payout"
    assert purpose_code("payout") == "payout" and purpose_code("午餐") is None


def test_platform_roles_from_labels_and_structure():
    edges = [
        # labelled
        {"src": "L1", "dst": "C", "period": "2018-01", "amount": 100.0, "count": 1, "first": "2018-01-02",
         "purposes": ["出借"]},
        {"src": "C", "dst": "B1", "period": "2018-01", "amount": 80.0, "count": 1, "first": "2018-01-03",
         "purposes": ["放款"]},
        # a pre-existing borrower: pays custody first, but labelled 还款 — a borrower, not a lender
        {"src": "B0", "dst": "C", "period": "2018-01", "amount": 30.0, "count": 1, "first": "2018-01-01",
         "purposes": ["还款"]},
        # unlabelled: structure decides
        {"src": "U1", "dst": "C", "period": "2018-01", "amount": 10.0, "count": 1, "first": "2018-01-05"},
        {"src": "C", "dst": "U2", "period": "2018-01", "amount": 10.0, "count": 1, "first": "2018-01-06"},
        # the platform's general account pays a person: an insider
        {"src": "G", "dst": "P1", "period": "2018-01", "amount": 5.0, "count": 1, "first": "2018-01-10"},
    ]
    accounts = {"C": {"holder_id": PLATFORM}, "G": {"holder_id": PLATFORM},
                "P1": {"holder_name": "王五", "holder_id": "440301198001019999"}}
    pf = build_platform_flows(edges, accounts, uscc=PLATFORM)
    assert pf.custody == "C" and pf.platform_accounts == {"C", "G"}
    assert pf.lenders == {"L1", "U1"} and pf.borrowers == {"B1", "B0", "U2"}
    assert pf.tied["P1"][0] == "insider"
    m = pf.months["2018-01"]
    assert (m.lender_in, m.repay_in, m.disburse_out) == (110.0, 30.0, 90.0)


def test_namesakes_are_matched_the_same_whatever_the_graph_order():
    """Two related persons of one name, both compatible with a masked ID: the match does not depend
    on the order the registry graph was built in (the Spark engine ships it to its workers)."""
    import networkx as nx

    def graph(order):
        G = nx.MultiDiGraph()
        G.add_node(f"institution:{PLATFORM}", kind="institution", name="甲平台", uscc=PLATFORM)
        people = {"person:143": "440301********1234", "person:1128": "440301********1234"}
        for node in order:
            G.add_node(node, kind="person", name="宋婷秀", name_norm="宋婷秀", id_key=people[node])
            G.add_edge(node, f"institution:{PLATFORM}", "shareholder", kind="shareholder")
        return G

    a = related_index(graph(["person:143", "person:1128"]), PLATFORM).match("宋婷秀", "440301199001011234")
    b = related_index(graph(["person:1128", "person:143"]), PLATFORM).match("宋婷秀", "440301199001011234")
    assert a is not None and a == b
