"""The simulated city: determinism, variety of layouts and files, planted patterns, disclosures vs truth."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.cn import uscc as uscc_check

from monitor.errors import InputError
from monitor.sim import generate_city
from monitor.sim.flows import LIES
from monitor.text import normalize_label
from monitor.sim import vocab as SV
from monitor.vocab import PURPOSES, TRANSFER_FIELDS

ALIASES = {normalize_label(a): f.name for f in TRANSFER_FIELDS for a in f.aliases}
# The city's own spellings (the reader's vocabulary is not the city's).
LABELS = {normalize_label(lbl): code for code in SV.ORDER for lbl in SV.spellings(code)}
UNITS = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
FRAUD_KINDS = {"ponzi", "self_financing", "fund_pool", "capital_flight"}
PATTERN_KINDS = FRAUD_KINDS | {"round_tripping", "scatter_gather", "guarantee_circle", "borrower_cap",
                               "borrower_concentration", "disclosure_mismatch"}


def read_transfers(path: Path) -> list[dict]:
    """Rows of one transfer file with canonical column names and amounts in 元 (Decimal)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    rows = list(csv.reader(io.StringIO(text)))
    cols = [ALIASES[normalize_label(h)] for h in rows[0]]
    wan = any("万元" in h for h in rows[0])
    out = []
    for r in rows[1:]:
        d = dict(zip(cols, r))
        amt = Decimal(d["amount"].replace(",", ""))
        d["amount"] = amt * 10_000 if wan else amt
        out.append(d)
    return out


@pytest.fixture(scope="module")
def truth(small_city):
    return json.loads((small_city / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def flows(small_city, truth):
    """uscc -> month -> rows."""
    out = {}
    for inst in truth["institutions"]:
        folder = small_city / "transfers" / inst["uscc"]
        out[inst["uscc"]] = {f.stem: read_transfers(f) for f in sorted(folder.glob("*.csv"))}
    return out


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path):
    a = generate_city(tmp_path / "a", seed=3, platforms=8, months=6)
    generate_city(tmp_path / "b", seed=3, platforms=8, months=6)
    generate_city(tmp_path / "c", seed=4, platforms=8, months=6)
    da, db, dc = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert a["transfer_rows"] > 0 and len(da) > 100
    assert da == db
    assert da["truth.json"] != dc["truth.json"]


@pytest.mark.parametrize("kwargs", [dict(platforms=7), dict(platforms=5001), dict(months=5), dict(months=121),
                                    dict(transfers_per_month=-1), dict(start="2017-13")])
def test_impossible_sizes_are_refused(tmp_path, kwargs):
    with pytest.raises(InputError):
        generate_city(tmp_path / "x", **kwargs)
    assert not (tmp_path / "x").exists()


def test_existing_folder_needs_force(tmp_path):
    out = tmp_path / "city"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="--force"):
        generate_city(out, platforms=8, months=6)
    generate_city(out, platforms=8, months=6, force=True)
    assert (out / "truth.json").is_file() and (out / "keep.txt").read_text() == "mine"


def test_transfers_per_month_sets_the_volume(tmp_path):
    s = generate_city(tmp_path / "v", seed=5, platforms=8, months=6, transfers_per_month=3000)
    files = list((tmp_path / "v" / "transfers").rglob("*.csv"))
    rows = s["transfer_rows"] / len(files)
    assert 2500 <= rows <= 3600


def test_truth_has_every_kind_and_lookalikes(truth):
    insts = truth["institutions"]
    kinds = {i["fraud_kind"] for i in insts if i["label"] == "fraud"}
    assert kinds == FRAUD_KINDS
    looks = [i for i in insts if i["label"] == "lookalike"]
    assert looks and all(i["lookalike_of"] in FRAUD_KINDS and i["collapse_date"] is None for i in looks)
    assert any(i["label"] == "healthy" for i in insts)
    end = f"{int(truth['start'][:4]) + (int(truth['start'][5:]) - 1 + truth['months']) // 12}"
    for i in insts:
        assert uscc_check.is_valid(i["uscc"])
        if i["label"] == "fraud":
            assert truth["start"] <= i["collapse_date"][:7] and i["collapse_date"][:4] <= end
            assert i["patterns"] and i["disclosure_lies"]
            assert {p["kind"] for p in i["patterns"]} <= PATTERN_KINDS
            assert all(p["start"] < p["end"] for p in i["patterns"])
        else:
            assert i["patterns"] == [] and i["collapse_date"] is None
    planted = {p["kind"] for i in insts for p in i["patterns"]}
    assert {"scatter_gather", "guarantee_circle", "disclosure_mismatch", "round_tripping"} <= planted


def test_sites_vary_in_layout_and_encoding(small_city, truth):
    sites = [i["site"] for i in truth["institutions"]]
    assert {s["layout"] for s in sites} == {"table", "dl", "kv", "archive", "cards"}
    gb = [s for s in sites if s["encoding"] == "gb18030"]
    assert gb and any(not s["charset_declared"] for s in gb)
    manifest = json.loads((small_city / "www" / "_manifest.json").read_text(encoding="utf-8"))
    for inst in truth["institutions"]:
        home = (small_city / "www" / inst["site"]["home"].lstrip("/") / "index.html").read_bytes()
        if inst["site"]["charset_declared"]:
            assert inst["site"]["charset"].encode() in home
            home.decode(inst["site"]["charset"])  # the declared charset decodes the page
        else:
            assert b"charset" not in home.lower()
            assert manifest["pages"][inst["site"]["home"] + "index.html"]["charset"] is None
        if inst["site"]["encoding"] == "gb18030":
            with pytest.raises(UnicodeDecodeError):
                home.decode("utf-8")


def test_transfer_files_vary_and_ids_are_unique(small_city, truth):
    headers, encodings = set(), set()
    thousands = wan = False
    ids: set[str] = set()
    n = 0
    for inst in truth["institutions"]:
        for f in sorted((small_city / "transfers" / inst["uscc"]).glob("*.csv")):
            raw = f.read_bytes()
            encodings.add("bom" if raw.startswith(b"\xef\xbb\xbf") else inst["transfer_file"]["encoding"])
            text = raw.decode("utf-8-sig") if inst["transfer_file"]["encoding"] != "gb18030" else raw.decode("gb18030")
            first_line = text.split("\n", 1)[0]
            headers.add(first_line)
            wan |= "万元" in first_line
            thousands |= bool(re.search(r'"\d{1,3}(,\d{3})+\.\d{2}"', text))
            for row in read_transfers(f):
                assert row["purpose"] in PURPOSES.values()
                assert row["amount"] > 0
                ids.add(row["txn_id"])
                n += 1
    assert len(headers) >= 3 and wan and thousands
    assert {"bom", "gb18030"} <= encodings
    assert len(ids) == n


def _month_sum(rows, **conds):
    return sum(r["amount"] for r in rows if all(r[k] == v for k, v in conds.items()))


def test_self_financing_money_converges_on_the_collector(truth, flows):
    sf = [i for i in truth["institutions"] if i["fraud_kind"] == "self_financing"]
    assert sf
    for inst in sf:
        pat = next(p for p in inst["patterns"] if p["kind"] == "self_financing")
        collector = pat["details"]["collector_account"]
        nominal = set(pat["details"]["nominal_borrowers"])
        assert collector in [f["account"] for f in inst["related_firms"]]
        sent = defaultdict(Decimal)
        loans = Decimal(0)
        for month, rows in flows[inst["uscc"]].items():
            for r in rows:
                if r["payer_account"] in nominal:
                    sent[r["payee_account"]] += r["amount"]
                if r["payee_account"] in nominal and r["purpose"] == PURPOSES["disburse"]:
                    loans += r["amount"]
        assert loans > 0
        assert sent[collector] >= Decimal("0.6") * loans  # scatter, then gather on one account
        others = [v for k, v in sent.items() if k not in (collector, inst["custody_accounts"][0])]
        assert max(others, default=0) < Decimal("0.05") * sent[collector]  # nothing else gathers
    # honest borrowers spread their loans over many payees
    for inst in truth["institutions"]:
        if inst["label"] == "fraud":
            continue
        borrowers, payees = set(), defaultdict(Decimal)
        for rows in flows[inst["uscc"]].values():
            borrowers |= {r["payee_account"] for r in rows if r["purpose"] == PURPOSES["disburse"]}
        for rows in flows[inst["uscc"]].values():
            for r in rows:
                if r["payer_account"] in borrowers and r["payee_account"] != inst["custody_accounts"][0]:
                    payees[r["payee_account"]] += r["amount"]
        top = max(payees.values())
        assert top < Decimal("0.1") * sum(payees.values())


def test_ponzi_pays_out_more_than_borrowers_repay(truth, flows):
    for inst in truth["institutions"]:
        if inst["fraud_kind"] not in ("ponzi", None):
            continue
        custody = inst["custody_accounts"][0]
        months = sorted(flows[inst["uscc"]])
        if inst["fraud_kind"] == "ponzi":
            start = next(p for p in inst["patterns"] if p["kind"] == "ponzi")["start"][:7]
            months = [m for m in months if m >= start]
        payout = sum(_month_sum(flows[inst["uscc"]][m], payer_account=custody, purpose="兑付") for m in months)
        repay = sum(_month_sum(flows[inst["uscc"]][m], payee_account=custody, purpose="还款") for m in months)
        repay += sum(_month_sum(flows[inst["uscc"]][m], payee_account=custody,  # compensation (代偿)
                                payer_account=inst["general_accounts"][0]) for m in months)
        if inst["fraud_kind"] == "ponzi":
            assert payout > Decimal("1.2") * repay
        else:
            assert payout <= repay  # honest platforms pay out what borrowers repay, less fees


def test_capital_flight_outflows_to_the_controller_spike(truth, flows):
    def ratio(inst):
        ctrl = set(inst["controller_accounts"])
        per = [_month_sum_in(flows[inst["uscc"]][m], ctrl) for m in sorted(flows[inst["uscc"]])]
        base = sorted(per[:-3])[len(per[:-3]) // 2] if len(per) > 3 else per[0]
        return max(per[-2:]) / base

    flight = [ratio(i) for i in truth["institutions"] if i["fraud_kind"] == "capital_flight"]
    honest = [ratio(i) for i in truth["institutions"] if i["label"] != "fraud"]
    assert flight and min(flight) > 10
    assert max(honest) < 6  # salaries, and a yearly dividend for one look-alike


def _month_sum_in(rows, accounts):
    return sum((r["amount"] for r in rows if r["payee_account"] in accounts), Decimal(0))


def test_fund_pool_money_leaves_custody_for_the_platform(truth, flows):
    for inst in truth["institutions"]:
        if inst["fraud_kind"] != "fund_pool":
            continue
        custody, general = inst["custody_accounts"][0], inst["general_accounts"][0]
        pat = next(p for p in inst["patterns"] if p["kind"] == "fund_pool")
        out = sum(_month_sum(rows, payer_account=custody, payee_account=general)
                  for m, rows in flows[inst["uscc"]].items() if m >= pat["start"][:7])
        invest = sum(_month_sum(rows, payee_account=custody, purpose="出借")
                     for m, rows in flows[inst["uscc"]].items() if m >= pat["start"][:7])
        direct = sum(_month_sum(rows, payee_account=general, purpose="出借") for rows in flows[inst["uscc"]].values())
        assert out > Decimal("0.1") * invest and direct > 0


def _parse_dl(text: str) -> dict[str, float]:
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", text)
    # cards: the number (unit in <em>) above its label
    pairs += [(label, num + unit) for num, unit, label in re.findall(
        r'<span class="val">(.*?)</span>(?:<em>(.*?)</em>)?</div><div class="name">(.*?)</div>', text)]
    out = {}
    for label, value in pairs:
        unit = re.search(r"（(万元|亿元|元|%)）", label)
        label_unit = unit.group(1) if unit else None
        bare = re.sub(r"（.*?）", "", label).rstrip("".join(m for m in SV.FOOTNOTE_MARKS if len(m) == 1))
        code = LABELS[normalize_label(bare)]
        fam = SV.family(code)
        num = re.match(r"[\d,.]+", value).group(0).replace(",", "")
        suffix = value[len(re.match(r"[\d,.]+", value).group(0)):]
        unit = label_unit or suffix
        if fam == "ratio":
            out[code] = float(Decimal(num) / 100)
        elif fam == "yuan":
            out[code] = float(Decimal(num) * UNITS[unit])
        else:
            out[code] = int(num)
    return out


def test_disclosure_pages_agree_with_truth_and_lie_where_it_says(small_city, truth):
    pubs = truth["published_disclosures"]
    checked = 0
    lies_seen = Counter({kind: 0 for kind in LIES})
    for inst in truth["institutions"]:
        enc = inst["site"]["encoding"]
        for month, rec in pubs[inst["uscc"]].items():
            assert rec["published_at"] > month + "-28"  # published after the month ends
            if inst["site"]["layout"] not in ("dl", "cards"):
                continue
            page = (small_city / "www" / rec["url"].lstrip("/")).read_bytes().decode(enc)
            assert f"发布时间：{rec['published_at']}" in page
            assert _parse_dl(page) == rec["values"]
            checked += 1
        if inst["silent_from"]:
            assert all(m < inst["silent_from"] for m in pubs[inst["uscc"]])
        for lie in inst["disclosure_lies"]:
            metric = lie["metric"]
            later = [m for m in pubs[inst["uscc"]] if m >= lie["from"] and metric in pubs[inst["uscc"]][m]["values"]]
            for m in later:
                shown = pubs[inst["uscc"]][m]["values"][metric]
                true = inst["true_metrics"][m][metric]
                # display rounding: yuan to the 万 digit shown, counts exact, ratios to 0.01 %
                tol = 5000 + abs(true) * 1e-4 if metric.endswith(("balance", "amount")) else (
                    1e-4 if metric.endswith("rate") else 0)
                if inst["fraud_kind"] == "self_financing":
                    assert shown == 0
                elif metric == "outstanding_balance":  # ponzi and fund_pool inflate it
                    assert shown >= true - tol, (inst["uscc"], m, metric, shown, true)
                else:  # ponzi and capital_flight understate overdue figures
                    assert shown <= true + tol, (inst["uscc"], m, metric, shown, true)
                lies_seen[inst["fraud_kind"]] += abs(shown - true) > tol
    # every kind that lies is caught lying on a published page (self-financing: hiding a real balance)
    assert set(lies_seen) == set(LIES) and all(lies_seen.values()), lies_seen
    assert checked >= 5
    healthy = [i for i in truth["institutions"] if i["label"] == "healthy"]
    for inst in healthy:  # honest platforms publish their true book (up to display rounding)
        for month, rec in pubs[inst["uscc"]].items():
            true = inst["true_metrics"][month]["outstanding_balance"]
            if "outstanding_balance" in rec["values"]:
                assert abs(rec["values"]["outstanding_balance"] - true) <= max(1.0, true * 1e-4) + 5000


def test_every_link_and_source_resolves(small_city):
    www = small_city / "www"

    def exists(url: str) -> bool:
        path = www / url.split("?")[0].split("#")[0].lstrip("/")
        return path.is_file() or (path / "index.html").is_file()

    with (small_city / "sources.csv").open(encoding="utf-8") as f:
        sources = list(csv.DictReader(f))
    assert {s["kind"] for s in sources} == {"disclosure", "registry", "court", "complaints", "news"}
    assert all(exists(s["url"]) for s in sources)
    broken = []
    for page in www.rglob("*.html"):
        text = page.read_bytes().decode("gb18030", errors="replace")
        broken += [(str(page), u) for u in re.findall(r'href="(/[^"]*)"', text) if not exists(u)]
    assert broken == []


def test_guarantee_circles_are_cycles_in_the_registry(truth):
    registry = truth["registry"]
    by_name = {e["name"]: e for e in registry.values()}
    circles = [p for i in truth["institutions"] for p in i["patterns"] if p["kind"] == "guarantee_circle"]
    assert circles
    for pat in circles:
        start = by_name[pat["details"]["names"][0]]["name"]
        seen, name = [], start
        while name not in seen:
            seen.append(name)
            name = by_name[name]["guarantees"][0]["guaranteed"]
        assert name == start and sorted(seen) == sorted(pat["details"]["names"])
    for inst in truth["institutions"]:  # frauds have paid-in capital far below registered more often
        assert registry[inst["uscc"]]["paid_in_capital"] <= registry[inst["uscc"]]["registered_capital"]
    fraud_ratio = [registry[i["uscc"]]["paid_in_capital"] / registry[i["uscc"]]["registered_capital"]
                   for i in truth["institutions"] if i["label"] == "fraud"]
    honest_ratio = [registry[i["uscc"]]["paid_in_capital"] / registry[i["uscc"]]["registered_capital"]
                    for i in truth["institutions"] if i["label"] != "fraud"]
    assert sum(fraud_ratio) / len(fraud_ratio) < sum(honest_ratio) / len(honest_ratio)


def test_unwritable_output_is_an_input_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(InputError, match="cannot write"):
        generate_city(tmp_path / "file" / "city", platforms=8, months=6)


def test_loans_above_the_legal_caps_only_where_truth_says(truth, flows):
    for inst in truth["institutions"]:
        custody = inst["custody_accounts"][0]
        over, lent, cap = set(), defaultdict(Decimal), {}
        for rows in flows[inst["uscc"]].values():
            for r in rows:
                if r["payer_account"] == custody and r["purpose"] == "放款":
                    cap[r["payee_account"]] = 1_000_000 if r["payee_id"].startswith("9") else 200_000
                    lent[r["payee_account"]] += r["amount"]
                    if r["amount"] > cap[r["payee_account"]]:
                        over.add(r["payee_account"])
        planted = {a for p in inst["patterns"] if p["kind"] == "borrower_cap" for a in p["accounts"]}
        assert over <= planted  # a single loan above the cap is always planted
        for account in planted:  # and a planted borrower got more than the cap in all
            assert lent[account] > cap[account]
