"""The disclosure reader measured on the independent corpus (tests/crawlers/corpus, see its README).

Every disclosure page is read and compared with its expected file: a value is *exact*, *missing*,
*flagged* (returned with a suspect reason) or *wrong* (returned as fact with another value); a value
the page does not disclose but the reader returns as fact is *extra*. Run with ``-s`` to see the
figures per layout. Pages that are not disclosures must give no figures (notices are left out: a
wind-down notice states the platform's real balance and overdue amount, which are read).
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import pytest

from crawlers.extract.disclosure import extract_disclosure
from crawlers.extract.encoding import decode_body
from crawlers.extract.labels import normalize
from monitor.text import nfkc

CORPUS = Path(__file__).with_name("corpus")
DISCLOSURES = sorted((CORPUS / "disclosure").glob("*.expected.json"))
OTHERS = sorted(p for kind in ("about", "registry", "complaints", "news", "court")
                for p in (CORPUS / kind).glob("*.expected.json"))


def _page(expected: Path) -> Path:
    return expected.with_name(expected.name.removesuffix(".expected.json") + ".html")


def _read(expected: Path):
    text, _encoding, _clean = decode_body(_page(expected).read_bytes())
    return extract_disclosure(text)


def classify(expected: dict, result) -> tuple[Counter, list[str]]:
    """Counts of exact / missing / flagged / wrong / extra for one page, and a line per non-exact value."""
    got = {(v.item, f"{v.period:%Y-%m}"): v for v in result.values}
    counts, notes = Counter(), []
    for x in expected["values"]:
        v = got.pop((x["item"], x["period"]), None)
        same = v is not None and math.isclose(v.value, x["value"], rel_tol=1e-9, abs_tol=1e-9)
        if v is None:
            kind = "missing"
        elif v.suspect:
            kind = "flagged" if x["suspect"] or not same else "flagged_exact"
        else:
            kind = "exact" if same and not x["suspect"] else "wrong"
        counts[kind] += 1
        if kind != "exact":
            notes.append(f"{kind}: {x['item']} {x['period']} expected {x['value']} ({x['label_on_page']}), "
                         f"got {v and v.value} {v and v.suspect or ''}")
    for (item, period), v in got.items():
        kind = "extra_flagged" if v.suspect else "extra"
        counts[kind] += 1
        notes.append(f"{kind}: {item} {period} {v.value} ({v.raw_label})")
    return counts, notes


@lru_cache(maxsize=1)
def measure() -> tuple[dict[str, Counter], dict[str, list[str]]]:
    per_layout: dict[str, Counter] = defaultdict(Counter)
    notes: dict[str, list[str]] = {}
    for path in DISCLOSURES:
        expected = json.loads(path.read_text(encoding="utf-8"))
        counts, page_notes = classify(expected, _read(path))
        per_layout[expected["layout"]].update(counts)
        if page_notes:
            notes[path.name] = page_notes
    return dict(per_layout), notes


def test_corpus_figures_per_layout():
    per_layout, notes = measure()
    total = sum(per_layout.values(), Counter())
    kinds = ("exact", "missing", "flagged", "flagged_exact", "wrong", "extra", "extra_flagged")
    print()
    print(f"{'layout':34}" + "".join(f"{k:>14}" for k in kinds))
    for layout in sorted(per_layout):
        print(f"{layout:34}" + "".join(f"{per_layout[layout][k]:>14}" for k in kinds))
    print(f"{'total':34}" + "".join(f"{total[k]:>14}" for k in kinds))
    for page, lines in notes.items():
        for line in lines:
            print(f"  {page}: {line}")
    n = sum(json.loads(p.read_text(encoding="utf-8"))["values"].__len__() for p in DISCLOSURES)
    assert n == 1731 and total["exact"] + total["missing"] + total["flagged"] + total["flagged_exact"] \
        + total["wrong"] == n
    # Nothing silently wrong: a wrong or invented value is flagged or not emitted.
    assert total["wrong"] == 0 and total["extra"] == 0, notes
    # Every deliberately implausible value is flagged (5 in the corpus), and only those.
    assert total["flagged"] == 5 and total["flagged_exact"] == 0, notes
    assert total["exact"] / n >= 0.99, total
    assert total["exact"] == 1726, total  # the figure reached; a regression shows here first


@pytest.mark.parametrize("path", DISCLOSURES, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_distractors_are_not_read_as_items(path):
    expected = json.loads(path.read_text(encoding="utf-8"))
    result = _read(path)
    raw = {normalize(v.raw_label) for v in result.values}
    for d in expected.get("distractors", []):
        assert normalize(d["label_on_page"]) not in raw, d


def test_fee_schedule_texts():
    found, missed = 0, []
    for path in DISCLOSURES:
        expected = json.loads(path.read_text(encoding="utf-8"))
        if not expected.get("texts"):
            continue
        got = {(t.item, t.period and f"{t.period:%Y-%m}"): t.text for t in _read(path).texts}
        for t in expected["texts"]:
            text = got.get((t["item"], t["period"]), "")
            if nfkc(t["text_contains"]) in text:  # texts are read NFKC-folded, like every line
                found += 1
            else:
                missed.append((path.name, t["period"], text[:40]))
    assert found == 41 and missed == []


def test_index_page_is_not_a_report():
    result = _read(CORPUS / "disclosure" / "fenggu_index.expected.json")
    assert result.values == [] and result.reason is None


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_pages_other_than_disclosures_give_no_figures(path):
    assert [v for v in _read(path).values if not v.suspect] == []


NOTICES = sorted((CORPUS / "notices").glob("*.expected.json"))


@pytest.mark.parametrize("path", NOTICES, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_notice_family_and_date(path):
    from crawlers.extract.events import platform_notice

    expected = json.loads(path.read_text(encoding="utf-8"))
    text, _encoding, _clean = decode_body(_page(path).read_bytes())
    notice = platform_notice(text)
    assert (notice["family"], f"{notice['date']:%Y-%m-%d}") == (expected["kind"], expected["date"])


def test_no_notice_read_from_other_pages():
    from crawlers.extract.events import platform_notice

    others = [p for p in [*DISCLOSURES, *OTHERS] if p.parent.name != "notices"]
    read = [p.name for p in others if platform_notice(decode_body(_page(p).read_bytes())[0]) is not None]
    assert len(others) == 74 and read == []


def test_publication_dates_are_the_stated_ones():
    wrong = []
    for path in DISCLOSURES:  # the 51 reports and the index page
        expected = json.loads(path.read_text(encoding="utf-8"))
        published = _read(path).published_at
        if (published and f"{published:%Y-%m-%d}") != expected["published"]:
            wrong.append((path.name, expected["published"], published))
    assert wrong == []  # 统计截止日 2018-11-30 is not a publication date


REGISTRY = sorted(p for kind in ("registry", "about") for p in (CORPUS / kind).glob("*.expected.json"))


@pytest.mark.parametrize("path", REGISTRY, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_current_shareholders_and_shares(path):
    """Current shareholders by name with their share (on 公示系统 pages: subscribed amount / registered capital).
    Exited shareholders and the dates of roles: test_role_dates_from_change_records."""
    from crawlers.extract.registry import extract_registry

    expected = json.loads(path.read_text(encoding="utf-8"))
    result = extract_registry(decode_body(_page(path).read_bytes())[0], "http://corpus.test/")
    got = {s["name"]: s["share"] for s in result.shareholders}
    for s in expected["shareholders"]:
        if s["end"] is None:
            assert s["name"] in got, (s, got)
            assert got[s["name"]] == pytest.approx(s["share"], abs=1e-6) if s["share"] is not None else True


@pytest.mark.parametrize("path", REGISTRY, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_current_controllers(path):
    """实际控制人 as the page states them now (a 公示系统 page states none); former ones are not read yet."""
    from crawlers.extract.registry import extract_registry

    expected = json.loads(path.read_text(encoding="utf-8"))
    result = extract_registry(decode_body(_page(path).read_bytes())[0], "http://corpus.test/")
    assert sorted(c["name"] for c in result.controllers) == \
        sorted(c["name"] for c in expected["controllers"] if c.get("end") is None)


REGISTRY_PAGES = [p for p in REGISTRY if p.parent.name == "registry"]


@pytest.mark.parametrize("path", REGISTRY_PAGES, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_role_dates_from_change_records(path):
    """Registry pages: a change record ends the roles on its left and starts those on its right
    (exited shareholders and former legal representatives and officers are kept, with their end)."""
    from crawlers.extract.registry import extract_registry

    expected = json.loads(path.read_text(encoding="utf-8"))
    result = extract_registry(decode_body(_page(path).read_bytes())[0], "http://corpus.test/")
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    dated = lambda rows, *keys: {tuple(r.get(k) for k in keys) for r in rows  # noqa: E731
                                 if r.get("start") or r.get("end")}
    sh = [{**s, "start": iso(s.get("start")), "end": iso(s.get("end"))} for s in result.shareholders]
    assert dated(sh, "name", "start", "end") == dated(expected["shareholders"], "name", "start", "end")
    ex = [{**e, "start": iso(e.get("start")), "end": iso(e.get("end"))} for e in result.executives]
    assert dated(ex, "name", "role", "start", "end") == dated(expected.get("officers", []), "name", "role",
                                                              "start", "end")
    reps = [{"name": r["name"], "end": iso(r["end"])} for r in result.former_legal_representatives]
    if result.company.get("legal_representative_since"):
        reps.append({"name": result.company["legal_representative"],
                     "start": iso(result.company["legal_representative_since"])})
    assert dated(reps, "name", "start", "end") == dated(expected.get("legal_representatives", []), "name",
                                                        "start", "end")
