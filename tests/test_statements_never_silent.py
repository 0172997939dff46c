"""No statement of either independent corpus is ever read silently wrong.

Each file of tests/statements/ and tests/statements_b/ either gives exactly its expected rows (every key of
every row) or is refused with a StatementError naming the file: a refused file is work left, a wrong row is
a false fact in the store. (tests/test_statements_corpus.py measures how many are read.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.statements import StatementError, read_statement

HERE = Path(__file__).parent
SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xls"}
FILES = sorted(p for corpus in (HERE / "statements", HERE / "statements_b") for p in corpus.iterdir()
               if p.suffix.lower() in SUFFIXES)


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_a_corpus_file_is_read_exactly_or_refused(path):
    expected = [json.loads(line) for line in
                (path.parent / "expected" / f"{path.name}.jsonl").read_text("utf-8").splitlines() if line.strip()]
    try:
        statement = read_statement(path)
    except StatementError as exc:
        assert path.name in str(exc)
        return
    assert [row.as_json() for row in statement.rows] == expected
