"""The accounts register: organisation-held accounts seen in the transfers, in the SQL store.

An ingest registers the organisation-held accounts of each file
(:func:`accounts_document`, then :func:`upsert_accounts`, in the file's
commit transaction); :func:`link_accounts` links accounts registered before
their firm was known (after each crawl). Person-held and unidentified
accounts stay in the transfer store only (docs/architecture.md, "Accounts").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.config import Config
from monitor.text import COMPANY_ID, PERSON_ID

if TYPE_CHECKING:
    import pyarrow as pa


def accounts_document(table: "pa.Table") -> tuple[int, str | None]:
    """``(count, JSON array)`` of the organisation-held accounts of ``table``, one array each:
    ``[account_no, holder_name, holder_id]``.

    An account is organisation-held when the first holder ID the file gives
    for it (in file order; a row's payer before its payee) reads as a USCC by
    :func:`monitor.text.guess_holder_kind`'s rule; its name is the one given beside that
    ID, trimmed, both cut to the store's lengths. Person-held and
    unidentified accounts stay in the transfer store only, which holds each
    row's holder name and ID (docs/architecture.md, "Accounts"). In account
    order (the SQL store's unique index then takes them in sequence, ~40%
    faster). One document, inserted set-based by one statement: the SQL
    engine works with the GIL released, where a row-by-row ``executemany``
    would wait for it at every row while the writers run.
    """
    import polars as pl

    if not table.num_rows:
        return 0, None
    frame = pl.from_arrow(table, rechunk=False).lazy()
    # The first row giving an ID, per side, then across sides in file order (a row's payer before
    # its payee): a hash pass over each account column, where a group-by with every row's name
    # and ID cost three times as much. The pass keys each account by two 64-bit hashes under
    # different seeds, as one 128-bit integer (as the file itself is known by its SHA-256): a table
    # of fixed-size keys costs half of one of strings, which follows a pointer into the text at
    # every match. Two accounts whose hashes both collided would be registered as one (the first);
    # their transfers are stored whole either way.
    sides = []
    for k, side in enumerate(("payer", "payee")):
        account = pl.col(f"{side}_account")
        rows = frame.select(pl.col("source_line").alias("row"), pl.lit(k, pl.Int8).alias("side"),
                            account.alias("n"), pl.col(f"{side}_name").alias("h"), pl.col(f"{side}_id").alias("i"),
                            (account.hash(1).cast(pl.Int128) * (1 << 64) + account.hash(2).cast(pl.Int128))
                            .alias("key"))
        if table.column(f"{side}_id").null_count:  # (a copy of the rows, saved when every row has an ID)
            rows = rows.filter(pl.col("i").is_not_null())
        sides.append(rows.filter(pl.col("key").is_first_distinct()))
    name = pl.col("h").str.strip_chars()
    ident = pl.col("i").str.strip_chars().str.to_uppercase()
    company = ~(ident.str.contains("*", literal=True) | ident.str.contains(f"^{PERSON_ID}$")) \
        & ident.str.contains(f"^{COMPANY_ID}$")
    # One plan, collected once: a small file pays polars' fixed cost per query once, not per step.
    count, document = pl.concat(sides).sort("row", "side").filter(pl.col("key").is_first_distinct()).filter(company) \
        .sort("n").select(pl.len(), pl.struct(
            pl.col("n").str.slice(0, 64),
            pl.when(name == "").then(None).otherwise(name.str.slice(0, 200)).alias("h"),
            ident.str.slice(0, 64).alias("i"),
        ).struct.json_encode().str.join(",")).collect().row(0)
    if not count:
        return 0, None
    # polars encodes structs only; the objects become arrays by dropping their keys in the joined
    # text. Safe: a quote inside a JSON string is escaped, so `,"h":` or `},{"n":` with a bare quote
    # can only be structure. Arrays, because SQLite (3.40, no JSONB) parses an element once per
    # field read, and an array of values parses in 60% of the time of the object.
    first = '{"n":'
    for key, by in (('},{"n":', "],["), (',"h":', ","), (',"i":', ",")):
        document = document.replace(key, by)
    return count, "[[" + document[len(first):-1] + "]]"


def upsert_accounts(session, accounts: tuple[int, str | None]) -> int:
    """Insert the accounts not yet known, set-based; returns how many were new.

    ``accounts`` is ``(count, JSON document)`` from :func:`accounts_document`
    (organisation-held accounts only), linked to their company and institution
    by USCC in the same statement. Known accounts are left as they are (``ON CONFLICT DO
    NOTHING``).
    """
    from sqlalchemy import func, select, text

    from monitor.models import Account, utcnow

    count, document = accounts
    if not count:
        return 0
    conn = session.connection()
    table = Account.__table__
    process = table.c.first_seen_at.type.bind_processor(conn.dialect)
    seen_at = process(utcnow()) if process else utcnow()
    if conn.dialect.name == "postgresql":
        rows = ("SELECT v->>0 AS n, v->>1 AS h, v->>2 AS i "
                "FROM json_array_elements(CAST(:doc AS json)) AS v")
    else:
        rows = ("SELECT json_extract(value, '$[0]') AS n, json_extract(value, '$[1]') AS h, "
                "json_extract(value, '$[2]') AS i FROM json_each(:doc)")
    sql = text(f"""
        INSERT INTO account (account_no, holder_name, holder_id_no, holder_kind, company_id, institution_id,
                             is_custody, first_seen_at)
        SELECT r.n, r.h, r.i, 'company',
               (SELECT c.id FROM company c WHERE c.uscc = r.i),
               (SELECT t.id FROM institution t WHERE t.uscc = r.i),
               false, :seen_at
        FROM ({rows}) r
        WHERE true
        ON CONFLICT (account_no) DO NOTHING""")
    total = select(func.count()).select_from(table)
    before = conn.execute(total).scalar_one()
    conn.execute(sql, {"doc": document, "seen_at": seen_at})
    return conn.execute(total).scalar_one() - before


def link_accounts(config: Config) -> int:
    """Link company-held accounts to their company and institution by USCC where not yet linked.

    The ingest links at insert time; this catches accounts registered before
    the registry or the crawlers knew the firm, and so runs after each crawl
    (:func:`crawlers.run.crawl`), which is what adds firms. Set-based; returns
    the number of accounts updated.
    """
    from sqlalchemy import text

    from monitor.db import session_scope

    with session_scope(config) as session:
        linked = 0
        for column, table in (("institution_id", "institution"), ("company_id", "company")):
            res = session.execute(text(f"""
                UPDATE account SET {column} = (SELECT t.id FROM {table} t WHERE t.uscc = account.holder_id_no)
                WHERE {column} IS NULL AND holder_kind = 'company'
                  AND holder_id_no IN (SELECT uscc FROM {table} WHERE uscc IS NOT NULL)"""))
            linked += res.rowcount or 0
    return linked
