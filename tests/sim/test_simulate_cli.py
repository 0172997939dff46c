"""``monitor simulate`` and ``monitor serve-sim``: one-line errors, exit codes, a small run."""

from __future__ import annotations

import json

from monitor.cli import main


def test_simulate_writes_a_city(tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["simulate", "--seed", "2", "--platforms", "8", "--months", "6", "--out", str(out)]) == 0
    assert "8 platforms" in capsys.readouterr().out
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 2 and len(truth["institutions"]) == 8
    # even the smallest city holds every fraud kind and look-alikes
    assert {i["fraud_kind"] for i in truth["institutions"]} == {None, "ponzi", "self_financing", "fund_pool",
                                                                  "capital_flight"}
    assert any(i["label"] == "lookalike" for i in truth["institutions"])
    assert (out / "sources.csv").read_text(encoding="utf-8").startswith("institution_name,uscc,kind,url")


def test_existing_folder_without_force_is_a_one_line_error(tmp_path, capsys):
    out = tmp_path / "c"
    out.mkdir()
    (out / "x").write_text("x")
    assert main(["simulate", "--platforms", "8", "--months", "6", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--force" in err and err.count("\n") == 1


def test_impossible_size_is_a_one_line_error(tmp_path, capsys):
    assert main(["simulate", "--platforms", "3", "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: platforms") and err.count("\n") == 1
    assert main(["simulate", "--months", "500", "--out", str(tmp_path / "c")]) == 2
    assert capsys.readouterr().err.startswith("error: months")


def test_serve_sim_refuses_a_missing_folder_and_bad_faults(tmp_path, capsys):
    assert main(["serve-sim", str(tmp_path / "nothing"), "--port", "0"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    (tmp_path / "www").mkdir()
    assert main(["serve-sim", str(tmp_path), "--port", "0", "--slow", "/x"]) == 2
    assert "PATTERN=VALUE" in capsys.readouterr().err
