"""Statement containers: HTML tables saved as .xls, UTF-16 text, workbooks of several sheets, fixed-width prints."""

from __future__ import annotations

import codecs
from pathlib import Path

import openpyxl
import pytest

from monitor.statements import StatementError, read_statement
from monitor.statements.recognise import display_width, find_header, load

HEADER = ["交易日期", "流水号", "借方发生额", "贷方发生额", "余额", "对方账号", "对方户名", "摘要"]
ROWS = [
    ["2017-07-03 10:00:00", "A1", "", "1,000.00", "11,000.00", "6222000011112222", "张伟", "货款"],
    ["2017-07-04 11:30:00", "A2", "250.50", "", "10,749.50", "955088020123", "广州锦程餐饮管理有限公司", "转账"],
    ["2017-07-05 09:00:00", "A3", "0.50", "", "10,749.00", "", "", "手续费"],
]


def _html(rows_html: str) -> str:
    return ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>'
            '<table border="1">\n' + rows_html + "\n</table></body></html>")


def _tr(cells, tag="td") -> str:
    return "<tr>" + "".join(f"<{tag}>{c if c else '&nbsp;'}</{tag}>" for c in cells) + "</tr>"


def test_html_table_saved_as_xls_is_read_by_content(tmp_path):
    text = _html("\n".join([
        '<tr><td colspan="8"><b>交易明细</b></td></tr>',
        '<tr><td colspan="8">账号：1234567890123</td></tr>',
        '<tr><td colspan="8">户名：南京金陵置业发展有限公司</td></tr>',
        _tr(HEADER, "th"), *(_tr(r) for r in ROWS),
        '<tr><td colspan="2">合计</td><td>251.00</td><td>1,000.00</td><td colspan="4">&nbsp;</td></tr>']))
    path = tmp_path / "明细.xls"
    path.write_bytes(text.encode("gbk"))  # declared gb2312, written GBK, as exports are
    statement = read_statement(path)
    got = [r.as_json() for r in statement.rows]
    assert [r["source_line"] for r in got] == [5, 6, 7]  # the <tr> index, title and preamble counted
    assert got[0]["payer_name"] == "张伟" and got[0]["payee_account"] == "1234567890123"
    assert got[1]["amount"] == "250.50" and got[2]["payee_account"] is None  # &nbsp; is empty
    assert "sheet" not in got[0]
    assert statement.footer_totals["debit_total"] == 251 and statement.encoding.startswith("html/")


def test_html_rowspan_and_colspan_keep_cells_under_their_columns(tmp_path):
    path = tmp_path / "t.xls"
    path.write_text(_html(
        "<tr><td>a</td><td rowspan='2'>b</td><td colspan='2'>c</td></tr><tr><td>d</td><td>e</td><td>f</td></tr>"),
        encoding="utf-8")
    grid = load(path)
    assert grid.rows == [(1, ["a", "b", "c", ""]), (2, ["d", "", "e", "f"])]


def test_html_balance_break_names_the_tr(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][4] = "10,700.00"
    path = tmp_path / "bad.xls"
    path.write_text(_html("\n".join(['<tr><td>账号：1234567890123</td></tr>', _tr(HEADER),
                                     *(_tr(r) for r in rows)])), encoding="utf-8")
    with pytest.raises(StatementError) as caught:
        read_statement(path)
    assert caught.value.line == 5 and caught.value.code == "balance_chain_break"


@pytest.mark.parametrize("codec,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
                                       ("utf-16-le", b"")])
def test_utf16_tab_separated_text(tmp_path, codec, bom):
    lines = ["账号\t1234567890123", "\t".join(HEADER), *("\t".join(r) for r in ROWS)]
    path = tmp_path / "unicode.txt"
    path.write_bytes(bom + "\r\n".join(lines + [""]).encode(codec))
    statement = read_statement(path)
    assert [r.source_line for r in statement.rows] == [3, 4, 5]
    assert statement.rows[1].payee_name == "广州锦程餐饮管理有限公司"
    assert statement.encoding.startswith("utf-16")


def _sheet(book, name, preamble, rows, footer=None):
    sheet = book.create_sheet(name)
    for cells in preamble:
        sheet.append(cells)
    sheet.append(HEADER)
    for cells in rows:
        sheet.append(cells)
    if footer:
        sheet.append(footer)
    return sheet


def _workbook(tmp_path, *, cover=True, second_header=None, second_account="1234567890123", footer2="共1笔"):
    book = openpyxl.Workbook()
    book.remove(book.active)
    if cover:
        info = book.create_sheet("账户信息")
        for cells in (["账号", "1234567890123"], ["户名", "南京金陵置业发展有限公司"],
                      ["查询期间", "2017-07-01 至 2017-07-31"]):
            info.append(cells)
    _sheet(book, "7月上", [["明细"]], ROWS[:2], ["合计", "共2笔", "250.50", "1,000.00"])
    second = _sheet(book, "7月下", [["明细"], [f"账号：{second_account}"]], ROWS[2:], ["合计", footer2, "0.50", ""])
    if second_header:
        second.cell(row=3, column=1, value=second_header)
    book.create_sheet("说明").append(["本明细仅供参考"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    return path


def test_every_sheet_is_read_and_each_row_knows_its_sheet(tmp_path):
    statement = read_statement(_workbook(tmp_path))
    got = [r.as_json() for r in statement.rows]
    assert [(r["sheet"], r["source_line"]) for r in got] == [("7月上", 3), ("7月上", 4), ("7月下", 4)]
    assert statement.owner_name == "南京金陵置业发展有限公司"  # from the cover sheet
    assert statement.balance_check == "ok"  # the balance chains across the sheets
    assert statement.metadata()["footer_totals"]["7月下"] == {"count": 1, "debit_total": "0.50"}


def test_one_data_sheet_gives_no_sheet_key(tmp_path):
    book = openpyxl.Workbook()
    book.remove(book.active)
    _sheet(book, "明细", [["账号：1234567890123"]], ROWS)
    path = tmp_path / "one.xlsx"
    book.save(path)
    assert "sheet" not in read_statement(path).rows[0].as_json()


def test_a_sheet_footer_that_does_not_add_up_is_refused_naming_the_sheet(tmp_path):
    with pytest.raises(StatementError) as caught:
        read_statement(_workbook(tmp_path, footer2="共2笔"))
    assert caught.value.code == "footer_total_mismatch" and "7月下" in str(caught.value)
    assert caught.value.line == 5


def test_a_sheet_with_another_header_is_refused(tmp_path):
    with pytest.raises(StatementError) as caught:
        read_statement(_workbook(tmp_path, second_header="记账日期"))
    assert "7月下" in str(caught.value) and caught.value.line == 3


def test_a_sheet_for_another_account_is_refused(tmp_path):
    with pytest.raises(StatementError) as caught:
        read_statement(_workbook(tmp_path, second_account="999999999999"))
    assert "999999999999" in str(caught.value) and caught.value.line == 2


def test_a_later_sheet_with_rows_but_no_header_is_refused(tmp_path):
    path = _workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    book.create_sheet("续").append(ROWS[0])
    book.save(path)
    with pytest.raises(StatementError) as caught:
        read_statement(path)
    assert "'续'" in str(caught.value) and caught.value.line == 1


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


WIDTHS = [(21, False), (6, False), (14, True), (14, True), (16, True), (18, False), (26, False), (10, False)]


def _print_line(cells) -> str:
    return " " + "  ".join(_pad(c, w, right) for c, (w, right) in zip(cells, WIDTHS)).rstrip()


def test_fixed_width_print_cut_by_display_width(tmp_path):
    head = ["                 交易明细对账单", " 账号：1234567890123        户名：南京金陵置业发展有限公司",
            " 第 {} 页", " " + "-" * 120, _print_line(HEADER), " " + "-" * 120]
    body = [_print_line(r) for r in ROWS]
    overflow = ROWS[1][:5] + ["955088020123456789", "广州锦程餐饮管理有限公司", "转账"]
    # an account filling its column runs into the name: cut where the name's column starts
    long = _print_line(overflow).replace("955088020123456789  广州", "95508802012345678901广州")
    lines = [h.format(1) for h in head] + body[:1] + ["", *[h.format(2) for h in head]] + [long, body[2]]
    path = tmp_path / "print.txt"
    path.write_bytes("\r\n".join(lines + [" 注：本对账单仅供参考", ""]).encode("gb18030"))
    statement = read_statement(path)
    got = [r.as_json() for r in statement.rows]
    assert [r["source_line"] for r in got] == [7, 15, 16]
    assert (got[1]["payee_account"], got[1]["payee_name"]) == ("95508802012345678901", "广州锦程餐饮管理有限公司")
    assert got[0]["payer_name"] == "张伟" and got[2]["purpose"] == "手续费"
    assert statement.owner_account == "1234567890123"


def test_fixed_width_header_found_only_when_no_delimiter_gives_one(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("交易日期    流水号    余额\n2017-07-01       1       2\n", encoding="utf-8")
    grid = load(path)
    header = find_header(grid)
    assert grid.fixed_width and header.cells == ["交易日期", "流水号", "余额"]
    assert grid.rows[1] == (2, ["2017-07-01", "1", "2"])


CORPUS_B = Path(__file__).parent / "statements_b"


def test_every_month_sheet_of_a_workbook_is_read():
    path = CORPUS_B / "渤海银行对公账户明细_2000123456789012_2017Q3.xlsx"
    rows = read_statement(path).rows
    assert len(rows) == 54 and {r.sheet for r in rows} == {"2017年07月", "2017年08月", "2017年09月"}


def test_fixed_width_value_under_no_label_goes_where_the_column_reaches(tmp_path):
    path = tmp_path / "reach.txt"
    path.write_text("交易日期      流水号      余额\n"
                    "2017-07-01    A1      12,345,678.00\n"
                    "2017-07-02    A2               5.00\n"
                    "2017-07-03    A3                         9.00\n", encoding="utf-8")
    grid = load(path)
    find_header(grid)
    assert grid.rows[1][1] == ["2017-07-01", "A1", "12,345,678.00"]
    assert grid.rows[2][1] == ["2017-07-02", "A2", "5.00"]  # right-aligned past the label, where 余额's values reach
    assert grid.rows[3][1][0].startswith("2017-07-03    A3") and grid.rows[3][1][1:] == ["", ""]  # not guessed


def test_a_sheet_in_another_currency_is_refused(tmp_path):
    book = openpyxl.Workbook()
    book.remove(book.active)
    _sheet(book, "人民币", [["账号：1234567890123"], ["币种：人民币"]], ROWS[:2])
    _sheet(book, "美元", [["账号：1234567890123"], ["币种：美元"]], ROWS[2:])
    path = tmp_path / "ccy.xlsx"
    book.save(path)
    with pytest.raises(StatementError) as caught:
        read_statement(path)
    assert "'美元'" in str(caught.value) and caught.value.line == 2


def test_a_balance_break_names_its_sheet(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][4] = "10,700.00"
    book = openpyxl.Workbook()
    book.remove(book.active)
    _sheet(book, "7月上", [["账号：1234567890123"]], rows[:2])
    _sheet(book, "7月下", [["账号：1234567890123"]], rows[2:])
    path = tmp_path / "break.xlsx"
    book.save(path)
    with pytest.raises(StatementError) as caught:
        read_statement(path)
    assert caught.value.code == "balance_chain_break" and caught.value.line == 3 and "'7月下'" in str(caught.value)


def test_ingest_of_utf16_text_and_html_xls_warns_of_no_missing_newline(sqlite_store, tmp_path):
    from conftest import uscc_for

    from monitor.ingest import ingest_paths

    folder = tmp_path / "drop"
    folder.mkdir()
    lines = ["账号\t1234567890123", "\t".join(HEADER), *("\t".join(r) for r in ROWS)]
    (folder / "unicode.txt").write_bytes(codecs.BOM_UTF16_LE + "\r\n".join(lines + [""]).encode("utf-16-le"))
    (folder / "page.xls").write_text(_html("\n".join(['<tr><td>账号：1234567890124</td></tr>', _tr(HEADER),
                                                     *(_tr(r) for r in ROWS)])), encoding="utf-8")
    results = ingest_paths(sqlite_store, [folder], institution=uscc_for(79))
    assert [(r.status, r.rows) for r in results] == [("ok", 2), ("ok", 2)], [r.error for r in results]
    assert not any("newline" in w for r in results for w in r.warnings), [r.warnings for r in results]


def test_excel_2003_xml_saved_as_xls(tmp_path):
    def row(cells, index=None):
        attr = f' ss:Index="{index}"' if index else ""
        return f"<Row{attr}>" + "".join(cells) + "</Row>"

    def text(value, extra=""):
        return f'<Cell{extra}><Data ss:Type="String">{value}</Data></Cell>'

    body = [row([text("账号：1234567890123", ' ss:MergeAcross="7"')]), row([text(h) for h in HEADER], index=3)]
    for cells in ROWS:
        when = cells[0].replace(" ", "T") + ".000"
        out = [f'<Cell><Data ss:Type="DateTime">{when}</Data></Cell>', text(cells[1])]
        out += [f'<Cell><Data ss:Type="Number">{v.replace(",", "")}</Data></Cell>' if v else "<Cell/>"
                for v in cells[2:5]]
        out += [text(v) for v in cells[5:] if v]
        if not cells[5]:
            out[-1] = out[-1].replace("<Cell>", '<Cell ss:Index="8">')
        body.append(row(out))
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
           'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="明细"><Table>'
           + "".join(body) + "</Table></Worksheet></Workbook>")
    path = tmp_path / "export.xls"
    path.write_text(xml, encoding="utf-8")
    got = [r.as_json() for r in read_statement(path).rows]
    assert [r["source_line"] for r in got] == [4, 5, 6]  # ss:Index="3" on the header row skips row 2
    assert got[1]["amount"] == "250.50" and got[1]["payee_name"] == "广州锦程餐饮管理有限公司"
    assert got[2]["purpose"] == "手续费" and got[2]["payee_account"] is None
    assert got[0]["txn_time"] == "2017-07-03T10:00:00"


def test_mhtml_single_file_web_page_saved_as_xls(tmp_path):
    import quopri

    html = _html("\n".join(['<tr><td colspan="8">账号：1234567890123</td></tr>', _tr(HEADER),
                            *(_tr(r) for r in ROWS)])).replace("charset=gb2312", "charset=utf-8")
    body = quopri.encodestring(html.encode("utf-8")).decode("ascii")
    mime = ("MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\n"
            'Content-Type: multipart/related; boundary="----=_NextPart_01"\r\n\r\n'
            "------=_NextPart_01\r\nContent-Location: file:///C:/x/sheet001.htm\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=\"utf-8\"\r\n\r\n"
            + body.replace("\n", "\r\n") + "\r\n------=_NextPart_01--\r\n")
    path = tmp_path / "web.xls"
    path.write_bytes(mime.encode("ascii"))
    got = [r.as_json() for r in read_statement(path).rows]
    assert [r["source_line"] for r in got] == [3, 4, 5] and got[1]["payee_name"] == "广州锦程餐饮管理有限公司"


def test_html_times_written_with_shi_and_fen(tmp_path):
    rows = [[f"2017年07月0{3 + i}日 1{i}时0{i}分", *r[1:]] for i, r in enumerate(ROWS)]
    path = tmp_path / "psbc.xls"
    path.write_text(_html("\n".join(['<tr><td colspan="8">卡号：6217995260181590838</td></tr>', _tr(HEADER),
                                     *(_tr(r) for r in rows)])), encoding="utf-8")
    got = [r.txn_time.isoformat() for r in read_statement(path).rows]
    assert got == ["2017-07-03T10:00:00", "2017-07-04T11:01:00", "2017-07-05T12:02:00"]


def _failed_file(tmp_path, stated_failed):
    header = ["交易时间", "交易流水号", "收付标志", "交易金额", "账户余额", "对方账号", "对方户名", "交易状态"]
    rows = [["2017-10-03 10:00:00", "T3", "付", "100.00", "900.00", "62220001", "张伟", "成功"],
            ["2017-10-03 09:59:00", "T2", "付", "100.00", "1,000.00", "62220001", "张伟", "失败"],
            ["2017-10-02 09:00:00", "T1", "收", "500.00", "1,000.00", "62220002", "王芳", "成功"]]
    footer = f'<tr><td>收入笔数</td><td>1</td><td>支出笔数</td><td>1</td><td>失败笔数</td><td>{stated_failed}</td></tr>'
    path = tmp_path / "cgb.xls"
    path.write_text(_html("\n".join(['<tr><td>账号</td><td>9550880201234500188</td></tr>', _tr(header, "th"),
                                     *(_tr(r) for r in rows), footer])), encoding="utf-8")
    return path


def test_failed_rows_are_left_out_and_counted(tmp_path):
    statement = read_statement(_failed_file(tmp_path, 1))
    assert [r.txn_id for r in statement.rows] == ["T3", "T1"]
    assert statement.balance_check == "ok (newest first)"  # the failed row's balance repeats the last one
    assert statement.failed_lines == [4] and any("failed" in w for w in statement.warnings)
    assert statement.footer_totals["failed_count"] == 1


def test_a_failed_count_that_does_not_add_up_is_refused(tmp_path):
    with pytest.raises(StatementError) as caught:
        read_statement(_failed_file(tmp_path, 2))
    assert caught.value.code == "footer_total_mismatch" and caught.value.line == 6


def test_failed_rows_left_out_the_same_both_ways(tmp_path, monkeypatch):
    from test_statements_columnar import both_ways

    path = tmp_path / "s.csv"
    path.write_text("账号：6200001\n交易日期,交易金额,借贷标志,余额,对方账号,交易状态\n"
                    "2017-07-01,10.00,贷,110.00,111,成功\n"
                    "2017-07-02,4.00,借,110.00,222,失败\n"
                    "2017-07-03,1.00,借,109.00,333,成功\n"
                    "合计,失败笔数 1\n", encoding="utf-8")
    fast, slow, used = both_ways(path, monkeypatch)
    assert used and fast == slow and fast[0] == "ok"
    assert [r["source_line"] for r in fast[1]] == [3, 5] and fast[3]["footer_totals"]["failed_count"] == 1


def test_closing_balance_and_note_lines_are_not_rows(tmp_path, monkeypatch):
    from test_statements_columnar import both_ways

    path = tmp_path / "adbc.csv"
    path.write_text("账号：6200001\n交易日期,摘要,借方发生额,贷方发生额,余额\n"
                    "2017-07-01,拨款,,10.00,110.00\n2017-07-02,支付,4.00,,106.00\n"
                    "期末余额,,,,106.00\n本对账单仅供参考，请核对。\n", encoding="utf-8")
    fast, slow, used = both_ways(path, monkeypatch)
    assert used and fast == slow and fast[0] == "ok" and len(fast[1]) == 2
    assert fast[3]["footer_totals"]["closing_balance"] == "106.00"
    path.write_text(path.read_text("utf-8").replace("期末余额,,,,106.00", "期末余额,,,,107.00"), encoding="utf-8")
    fast, slow, _ = both_ways(path, monkeypatch)
    assert fast == slow and fast[0] == "error" and fast[4] == "footer_total_mismatch"


def test_a_header_of_two_rows(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    for cells in (["账号：1234567890123"], ["交易日期", "流水号", "发生额", None, "余额", "对方户名"],
                  [None, None, "借方", "贷方", None, None],
                  ["2017-07-03", "A1", None, "1,000.00", "11,000.00", "张伟"],
                  ["2017-07-04", "A2", "250.50", None, "10,749.50", "王芳"]):
        sheet.append(cells)
    sheet.merge_cells("C2:D2")
    path = tmp_path / "two.xlsx"
    book.save(path)
    statement = read_statement(path)
    assert statement.columns["debit"] == "借方发生额" and statement.columns["credit"] == "贷方发生额"
    assert [(r.source_line, r.direction, str(r.amount)) for r in statement.rows] == [
        (4, "credit", "1000.00"), (5, "debit", "250.50")]
