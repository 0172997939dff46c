"""The institution page lists related parties in the same order on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session

from monitor.db import get_engine
from tests.conftest import uscc_for

T0 = datetime(2018, 6, 1, tzinfo=timezone.utc)

# (name, relation kind, share): inserted in this order, which is none of the orders asked for.
PARTIES = [
    ("王五", "executive", None),
    ("赵六", "shareholder", 0.3),
    ("钱七", "legal_representative", None),
    ("孙八", "shareholder", None),  # a shareholder whose share the registry does not state
    ("李四", "shareholder", 0.3),  # tie with 赵六 on share
    ("张三", "controller", None),
    ("周九", "shareholder", 0.4),
    ("吴十", "executive", None),
]
EXPECTED = ["周九", "李四", "赵六", "张三", "孙八", "钱七", "吴十", "王五"]


def _seed(session) -> int:
    from monitor.models import Company, Institution, Person, Relation
    from monitor.text import normalize_name

    inst = Institution(name="有序平台有限公司", name_norm=normalize_name("有序平台有限公司"), uscc=uscc_for(77))
    company = Company(name=inst.name, name_norm=inst.name_norm, uscc=inst.uscc, available_at=T0)
    session.add_all([inst, company])
    session.flush()
    for i, (name, kind, share) in enumerate(PARTIES):
        person = Person(name=name, id_key=f"k{i}", available_at=T0)
        session.add(person)
        session.flush()
        session.add(Relation(kind=kind, subject_kind="person", subject_id=person.id, object_id=company.id,
                             share=share, available_at=T0))
    session.commit()
    return inst.id


def test_related_parties_biggest_share_first_nulls_last_then_kind_and_name(store):
    from monitor.models import Institution
    from monitor.portal.institutions import registry

    with Session(get_engine(store)) as s:
        inst = s.get(Institution, _seed(s))
        names = [p["name"] for p in registry(s, inst)["parties"]]
    # 0.4, then the 0.3 tie by name (code point order, as Python compares: 李 < 赵), then no share:
    # controller, shareholder, legal representative, executives by name (吴 < 王)
    assert names == EXPECTED
