"""One vocabulary of codes: declared once in monitor.labels, translated by the catalogues for the portal and the PDFs."""

from __future__ import annotations

import re
import shutil

import pytest
from babel.messages.pofile import read_po

from monitor import labels
from monitor.labels import FAMILIES, TRANSLATIONS_DIR, printed

CATALOGUES = {lang: TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po" for lang in ("zh_Hans_CN", "en")}
CJK = re.compile(r"[\u4e00-\u9fff]")

# What the printed briefings call the codes (the words of the PDFs; they must not change with the portal's).
PRINTED_ZH = {
    "band": {"red": "红", "orange": "橙", "yellow": "黄", "green": "绿"},
    "severity": {"low": "低", "medium": "中", "high": "高", "critical": "严重"},
    "alert_status": {"new": "新建", "investigating": "核查中", "escalated": "已上报", "closed": "已关闭"},
    "close_reason": {"false_positive": "误报", "resolved": "已解决", "handed_over": "已移交"},
    "action": {"create": "创建", "status": "状态变更", "note": "添加备注", "assign": "分派", "close": "关闭",
               "reopen": "重新打开"},
    "field": {"status": "状态", "note": "备注", "assignee": "负责人", "close_reason": "关闭原因",
              "reopen_count": "重开次数"},
    "alert_kind": {"band_change": "等级上升", "finding": "新发现"},
    "event": {"lawsuit": "诉讼", "enforcement": "被执行", "dishonest": "失信被执行", "complaint": "投诉", "news": "新闻",
              "registry_change": "工商变更", "closure": "清盘/停业公告"},
    "relation": {"shareholder": "股东", "controller": "实际控制人", "executive": "高管",
                 "legal_representative": "法定代表人", "guarantee": "担保"},
    "institution_kind": {"p2p": "网贷平台", "small_loan": "小额贷款公司", "guarantor": "融资担保公司", "other": "其他"},
    "institution_status": {"operating": "正常", "troubled": "兑付困难", "closed": "停业清盘", "filed": "立案"},
    "source": {"disclosure": "平台信息披露", "registry": "工商登记", "court": "法院公开信息", "complaints": "投诉平台",
               "news": "新闻"},
    "sweep_status": {"queued": "排队", "running": "运行中", "succeeded": "成功", "partial": "部分成功", "failed": "失败"},
    "edge": {"transfer": "转账", "shareholder": "持股", "controller": "控制", "guarantee": "担保", "executive": "任职",
             "legal_representative": "法定代表人"},
}


def _catalogue(lang: str):
    with CATALOGUES[lang].open("rb") as fh:
        return read_po(fh)


def _all_messages():
    for family_name, family in FAMILIES.items():
        for table in (family.messages, family.briefing):
            for code, message in table.items():
                yield family_name, code, message


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_every_code_of_every_family_is_in_both_catalogues(lang):
    catalogue = _catalogue(lang)
    missing, untranslated = [], []
    for family, code, message in _all_messages():
        entry = catalogue.get(message.id, context=message.context)
        if entry is None or entry.fuzzy:
            missing.append((family, code, message))
        elif lang == "zh_Hans_CN" and not CJK.search(entry.string or ""):
            untranslated.append((family, code, message))
        elif lang == "en" and CJK.search(entry.string or ""):  # empty msgstr: the msgid is the English name
            untranslated.append((family, code, message))
    assert not missing, f"{lang}: not in the catalogue (run pybabel extract/update, docs/portal.md): {missing}"
    assert not untranslated, f"{lang}: not translated: {untranslated}"


def test_a_briefing_message_rewords_a_portal_message_of_the_same_code():
    for name, family in FAMILIES.items():
        for code, message in family.briefing.items():
            assert message.context == labels.BRIEFING
            assert family.messages[code].id == message.id, (name, code)


@pytest.mark.parametrize("family", sorted(PRINTED_ZH))
def test_briefings_print_the_same_words(family):
    assert {code: printed(family, code) for code in PRINTED_ZH[family]} == PRINTED_ZH[family]
    assert set(FAMILIES[family].messages) >= set(PRINTED_ZH[family])


def test_printed_names_of_unknown_and_missing_codes():
    assert printed("event", "meteor") == "meteor"
    assert printed("event", None) == printed("severity", "") == "—"
    assert printed("pattern", "ponzi") == "借新还旧（庞氏）"
    assert printed("account_role", "collector") == "归集户"
    with pytest.raises(KeyError):
        printed("no_such_family", "x")


def test_the_portal_label_tables_are_the_vocabulary():
    from monitor.portal import common

    tables = {"band": common.BAND_LABELS, "alert_status": common.STATUS_LABELS, "close_reason": common.REASON_LABELS,
              "severity": common.SEVERITY_LABELS, "institution_kind": common.KIND_LABELS,
              "institution_status": common.INST_STATUS_LABELS, "user_role": common.ROLE_LABELS,
              "event": common.EVENT_LABELS, "relation": common.RELATION_LABELS, "sweep_status": common.SWEEP_LABELS,
              "sweep_kind": common.SWEEP_KIND_LABELS, "alert_kind": common.ALERT_KIND_LABELS,
              "trigger": common.TRIGGER_LABELS, "stage": common.STAGE_LABELS, "action": common.ACTION_LABELS,
              "field": common.FIELD_LABELS, "actor": common.ACTOR_LABELS}
    for family, table in tables.items():
        assert {code: lazy._args[0] for code, lazy in table.items()} == \
            {code: m.id for code, m in FAMILIES[family].messages.items()}, family


def test_the_briefing_templates_name_codes_of_known_families():
    used = set()
    for path in (TRANSLATIONS_DIR.parent.parent / "templates" / "briefings").glob("*.html"):
        used |= set(re.findall(r"""\|label\(["'](\w+)["']\)""", path.read_text(encoding="utf-8")))
    assert used and used <= set(FAMILIES) | {"pattern", "account_role", "evidence"}


def test_the_portal_and_the_briefing_agree_where_no_briefing_wording_is_declared():
    zh = labels.translations("zh_CN")
    for family, code, message in _all_messages():
        if message.context is None and code not in FAMILIES[family].briefing:
            assert labels.name(family, code, zh) == printed(family, code)


def test_catalogue_compiled_in_memory_when_the_mo_file_is_missing(tmp_path, monkeypatch):
    folder = tmp_path / "zh_Hans_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(CATALOGUES["zh_Hans_CN"], folder / "messages.po")
    monkeypatch.setattr(labels, "TRANSLATIONS_DIR", tmp_path)
    catalogue = labels.translations.__wrapped__("zh_CN")
    assert labels.name("alert_status", "new", catalogue, in_briefing=True) == "新建"
    assert labels.name("alert_status", "new", catalogue) == "新"
    with pytest.raises(FileNotFoundError):
        labels.translations.__wrapped__("en")


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_no_catalogue_entry_is_fuzzy(lang):
    """The catalogues are compiled with fuzzy entries in, so a guessed translation would reach the pages."""
    fuzzy = [message.id for message in _catalogue(lang) if message.id and message.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy entries (check the translation, then drop the flag): {fuzzy}"
