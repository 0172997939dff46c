"""The statement reader measured on the two independent corpora, tests/statements/ and tests/statements_b/
(see their README.md files).

Every corpus file must give exactly its expected rows (all keys; amounts to the cent; times and source
lines exact) and its owner and period; every footer total the reader finds must equal the one the corpus
restates; each negative file must fail naming its line. The corpora are never edited to fit the reader: a
case out of scope is an ``xfail(strict=True)`` here with its reason, and written in docs/statements.md.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from monitor.statements import StatementError, read_statement
from monitor.statements.profiles import available

CORPUS = Path(__file__).parent / "statements"
CORPUS_B = Path(__file__).parent / "statements_b"
SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xls"}


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)


FILES = _files(CORPUS)
FILES_B = _files(CORPUS_B)
BAD = _files(CORPUS / "bad") + _files(CORPUS_B / "bad")
# the corpora's error names ("error" in corpus 1, "kind" in corpus B) -> the reader's error codes
BAD_CODES = {"ambiguous_date_order": "ambiguous_date_order", "balance_chain_break": "balance_chain_break",
             "footer_total_mismatch": "footer_total_mismatch", "truncated_mid_row": "truncated_row",
             "balance_break": "balance_chain_break", "impossible_date": "bad_date"}
# files out of scope: the reason (docs/statements.md, "Out of scope"); each must still fail, else un-list it
OUT_OF_SCOPE = {
    name: "a transfer file's name is not its period: corpus 1 (CUSTODY_TRANSFER_20170815.txt) states none for "
          "the same shape, corpus B the day in the name"
    for name in ("存管交易流水_LRZX01_20170705.csv", "存管交易流水_LRZX01_20170706.csv")
}


def _ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.parent.name if p.parent.name == 'bad' else p.parent.name}/{p.name}" for p in paths]


def _cases(paths: list[Path]) -> list:
    return [pytest.param(p, id=i, marks=[pytest.mark.xfail(strict=True, reason=OUT_OF_SCOPE[p.name])]
                         if p.name in OUT_OF_SCOPE else []) for p, i in zip(paths, _ids(paths))]


def expected(path: Path) -> tuple[list[dict], dict]:
    folder = path.parent / "expected"
    rows = [json.loads(line) for line in (folder / f"{path.name}.jsonl").read_text("utf-8").splitlines()
            if line.strip()]
    meta = json.loads((folder / f"{path.name}.meta.json").read_text("utf-8"))
    return rows, meta


def problems(path: Path, **kwargs) -> list[str]:
    """What is wrong with the reader's output for one corpus file (empty: all right)."""
    rows, meta = expected(path)
    try:
        statement = read_statement(path, **kwargs)
    except StatementError as exc:
        return [f"refused: {exc}"]
    got = [row.as_json() for row in statement.rows]
    found = []
    if len(got) != len(rows):
        found.append(f"{len(got)} rows, expected {len(rows)}")
    for mine, theirs in zip(got, rows):
        if mine != theirs:
            diff = {k: (mine.get(k), theirs.get(k)) for k in theirs if mine.get(k) != theirs.get(k)}
            found.append(f"line {theirs['source_line']}: {diff}")
    info = statement.metadata()
    for key in ("owner_account", "owner_name", "period"):
        if info[key] != meta[key]:
            found.append(f"{key}: {info[key]!r}, expected {meta[key]!r}")
    stated = meta["footer_totals"] or {}
    for key, value in (info["footer_totals"] or {}).items():
        if key in stated and stated[key] != value:
            found.append(f"footer {key}: {value!r}, the corpus says {stated[key]!r}")
    if meta["rows"] and any(r["balance_after"] for r in rows) and not info["balance_check"].startswith("ok"):
        found.append(f"balance check: {info['balance_check']}")
    return found


@pytest.mark.parametrize("path", _cases(FILES + FILES_B))
def test_corpus_file_gives_its_expected_rows(path):
    assert problems(path) == []


@pytest.mark.parametrize("path", BAD, ids=_ids(BAD))
def test_negative_file_fails_naming_its_line(path):
    wanted = json.loads(Path(f"{path}.expected.json").read_text("utf-8"))
    with pytest.raises(StatementError) as caught:
        read_statement(path)
    assert caught.value.line == wanted["line"], str(caught.value)
    assert caught.value.code == BAD_CODES[wanted.get("error") or wanted["kind"]]
    assert path.name in str(caught.value)


def test_ambiguous_dates_read_once_the_order_is_given():
    path = CORPUS / "bad" / "bad_ambiguous_dates.csv"
    day_first = read_statement(path, date_format="%d/%m/%Y")
    month_first = read_statement(path, date_format="%m/%d/%Y")
    assert day_first.rows[0].txn_time.isoformat() == "2017-03-01T00:00:00"
    assert month_first.rows[0].txn_time.isoformat() == "2017-01-03T00:00:00"


def test_footer_totals_found_where_the_corpus_states_them():
    """The reader finds each file's footer (not only: does not contradict it)."""
    missing = {}
    for path in FILES + FILES_B:
        if path.name in OUT_OF_SCOPE:
            continue
        _, meta = expected(path)
        found = read_statement(path).metadata()["footer_totals"] or {}
        stated = meta["footer_totals"] or {}
        # keyed by sheet or currency: each one's totals
        keys = {f"{k}.{kk}" if isinstance(v, dict) else k for k, v in stated.items() if k != "where"
                for kk in (v if isinstance(v, dict) else [None])}
        have = {f"{k}.{kk}" if isinstance(v, dict) else k for k, v in found.items()
                for kk in (v if isinstance(v, dict) else [None])}
        if not keys <= have:
            missing[path.name] = sorted(keys - have)
    # CZBank's footer (共 N 笔，收入 X 元，支出 Y 元) states no per-direction counts; its meta derives them.
    assert missing == {"czbank_6223091234567890123_201710.csv": ["credit_count", "debit_count"]}


SHIPPED = {name: profile for name, profile in available().items()}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_profile_reads_the_files_it_is_for(name):
    profile = SHIPPED[name]
    matched = [p for p in FILES if read_statement(p).profile == name]
    assert matched, f"profile {name} matches no corpus file"
    for path in matched:
        assert problems(path, profile=name) == [], path.name


# corpus B's README says 12 dialects; its table and meta files name 13
@pytest.mark.parametrize("files,dialects", [(FILES, 22), (FILES_B, 13)], ids=["statements", "statements_b"])
def test_corpus_score_per_dialect(capsys, files, dialects):
    """Print files right per dialect; the target is every file in scope with no wrong row."""
    score: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path in files:
        _, meta = expected(path)
        score[meta["dialect"]][1] += 1
        score[meta["dialect"]][0] += not problems(path)
    right = sum(s[0] for s in score.values())
    with capsys.disabled():
        print(f"\n{files[0].parent.name}: {right}/{len(files)} files in {len(score)} dialects")
        for dialect, (ok, total) in sorted(score.items()):
            print(f"  {dialect:42} {ok}/{total}")
    assert right == len([p for p in files if p.name not in OUT_OF_SCOPE])
    assert len(score) == dialects


# text files whose lines are split on b"\n" (not UTF-16, not HTML), with a balance or a footer to check
CHECKABLE = [p for p in FILES + FILES_B if p.suffix in (".csv", ".tsv", ".txt") and
             p.name not in OUT_OF_SCOPE and expected(p)[1]["encoding"] != "utf-16" and
             (expected(p)[1]["footer_totals"] or any(r["balance_after"] for r in expected(p)[0]))]


@pytest.mark.parametrize("path", CHECKABLE, ids=_ids(CHECKABLE))
def test_a_missing_row_is_never_silent(path, tmp_path):
    """A copy without one middle row is refused (balance break or footer mismatch), never half-believed."""
    rows, _ = expected(path)
    gone = rows[len(rows) // 2]["source_line"]
    lines = path.read_bytes().split(b"\n")
    copy = tmp_path / path.name
    copy.write_bytes(b"\n".join(lines[:gone - 1] + lines[gone:]))
    with pytest.raises(StatementError) as caught:
        read_statement(copy)
    assert caught.value.code in ("balance_chain_break", "footer_total_mismatch")
