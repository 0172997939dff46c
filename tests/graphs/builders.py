"""Hand-built platform flows for detector tests (small, explicit, no simulator)."""

from __future__ import annotations

from datetime import datetime, timezone

from stdnum.cn import uscc as uscc_mod

from graphs.registry import related_party_graph
from graphs.detectors import Inputs
from graphs.platform import build_platform_flows, related_index


def uscc(n: int) -> str:
    body = f"91440300{n:09d}"[:17]
    return body + uscc_mod.calc_check_digit(body)


PLATFORM = uscc(1)
COLLECTOR_FIRM = uscc(2)
AS_OF = datetime(2018, 1, 5, tzinfo=timezone.utc)  # months 2017-01..2017-12 complete


def months(n: int = 12, start: int = 1) -> list[str]:
    return [f"2017-{m:02d}" for m in range(start, start + n)]


def edge(src, dst, period, amount, day=5, count=1, purpose=None):
    return {"src": src, "dst": dst, "period": period, "amount": float(amount), "count": count,
            "first": f"{period}-{day:02d}T10:00:00", "last": f"{period}-{day:02d}T16:00:00",
            "purposes": [purpose] if purpose else []}


class Platform:
    """A healthy platform: lenders invest, custody lends, borrowers repay and spend to varied payees."""

    def __init__(self, periods=None, lenders=10, borrowers=20, loan=40_000.0):
        self.periods = periods or months()
        self.edges: list[dict] = []
        self.accounts = {"C": {"holder_name": "甲平台", "holder_id": PLATFORM},
                         "G": {"holder_name": "甲平台", "holder_id": PLATFORM}}
        for i, p in enumerate(self.periods):
            for l in range(lenders):
                acc = f"L{l}"
                self.accounts[acc] = {"holder_name": f"出借人{l}", "holder_id": f"11010119800101{l:04d}"}
                self.edges.append(edge(acc, "C", p, 100_000, day=2, purpose="出借"))
            for b in range(borrowers):
                acc = f"B{i}_{b}"
                self.accounts[acc] = {"holder_name": f"借款人{i}_{b}", "holder_id": f"44030119900101{b:04d}"}
                self.edges.append(edge("C", acc, p, loan, day=6, purpose="放款"))
                # spends to several suppliers, none getting most of it
                for s in range(4):
                    self.edges.append(edge(acc, f"S{i}_{b}_{s}", p, loan * 0.2, day=8))
            # older borrowers repay (1/6 of the loan + interest) for 6 months
            for j in range(max(0, i - 6), i):
                for b in range(borrowers):
                    self.edges.append(edge(f"B{j}_{b}", "C", p, loan / 6 * 1.1, day=20, purpose="还款"))
            repaid = sum(1 for j in range(max(0, i - 6), i)) * borrowers * loan / 6 * 1.1
            if repaid:
                for l in range(lenders):
                    self.edges.append(edge("C", f"L{l}", p, repaid * 0.9 / lenders, day=25, purpose="兑付"))
            self.edges.append(edge("C", "G", p, 20_000, day=28, purpose="提现"))  # fees

    def flows(self, registry=None, **kwargs):
        related = related_index(registry, PLATFORM) if registry is not None else None
        return build_platform_flows(self.edges, self.accounts, uscc=PLATFORM, name="甲平台", related=related,
                                    **kwargs)

    def inputs(self, registry=None, facts=(), peers=None):
        return Inputs(PLATFORM, "甲平台", self.flows(registry), registry, list(facts), peers or {})


def registry_with_controller(extra_relations=(), extra_companies=()):
    """Platform company owned 60 % by 张三, who also owns 李氏投资 (the collector firm)."""
    companies = [{"id": 1, "name": "甲平台有限公司", "uscc": PLATFORM},
                 {"id": 2, "name": "李氏投资有限公司", "uscc": COLLECTOR_FIRM}, *extra_companies]
    persons = [{"id": 7, "name": "张三", "id_key": "440301********1234"}]
    relations = [
        {"kind": "shareholder", "subject_kind": "person", "subject_id": 7, "object_kind": "company",
         "object_id": 1, "share": 0.6, "document_id": 11},
        {"kind": "shareholder", "subject_kind": "person", "subject_id": 7, "object_kind": "company",
         "object_id": 2, "share": 1.0, "document_id": 12},
        *extra_relations]
    return related_party_graph(companies, persons, relations, [{"uscc": PLATFORM, "name": "甲平台"}])


def converging_platform(collector="X", holder=("李氏投资有限公司", COLLECTOR_FIRM), n=6):
    p = Platform()
    p.accounts[collector] = {"holder_name": holder[0], "holder_id": holder[1]}
    for q in months()[-3:]:
        for b in range(n):
            acc = f"N{q}_{b}"
            p.accounts[acc] = {"holder_name": f"名义借款人{b}", "holder_id": f"51010119850101{b:04d}"}
            p.edges.append(edge("C", acc, q, 150_000, day=10))
            p.edges.append(edge(acc, collector, q, 140_000, day=11))
    return p
