import pytest

from monitor.config import SETTINGS, load_config
from monitor.errors import ConfigError


def test_defaults_give_sqlite_under_instance(tmp_path):
    cfg = load_config(env={"MONITOR_INSTANCE_DIR": str(tmp_path)})
    assert cfg.db_url == f"sqlite:///{tmp_path.resolve() / 'monitor.db'}"
    assert cfg.transfer_store_path == tmp_path.resolve() / "transfers"
    assert cfg.origin("city") == "default"


def test_every_setting_has_help_and_a_default_of_its_type():
    for s in SETTINGS:
        assert s.help.strip(), s.name
        assert isinstance(s.default, s.type), s.name


def test_environment_overrides_file_and_file_overrides_default(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text('crawl_delay = 0.5\ncity = "杭州市"\ncrawl_obey_robots = false\n', encoding="utf-8")
    cfg = load_config(env={"MONITOR_CRAWL_DELAY": "0.25"}, file=f)
    assert cfg.crawl_delay == 0.25 and cfg.origin("crawl_delay") == "environment"
    assert cfg.city == "杭州市" and cfg.origin("city") == str(f)
    assert cfg.crawl_obey_robots is False


def test_monitor_table_in_toml_is_accepted(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text("[monitor]\ncrawl_retries = 5\n")
    assert load_config(env={}, file=f).crawl_retries == 5


def test_instance_toml_is_found_without_being_named(tmp_path):
    (tmp_path / "monitor.toml").write_text("crawl_retries = 7\n")
    assert load_config(env={"MONITOR_INSTANCE_DIR": str(tmp_path)}).crawl_retries == 7


@pytest.mark.parametrize("env, message", [
    ({"MONITOR_NO_SUCH": "1"}, "MONITOR_NO_SUCH: unknown setting 'no_such'"),
    ({"MONITOR_CRAWL_DELAY": "fast"}, "crawl_delay must be float"),
    ({"MONITOR_CRAWL_RETRIES": "2.5"}, "crawl_retries must be int"),
    ({"MONITOR_CRAWL_OBEY_ROBOTS": "perhaps"}, "must be true or false"),
])
def test_bad_environment_is_rejected_with_the_name(env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(env=env)


def test_unknown_key_in_file_names_file_and_key(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text("databse_url = 'x'\n")
    with pytest.raises(ConfigError, match=r"m\.toml: unknown setting 'databse_url'"):
        load_config(env={}, file=f)


def test_broken_toml_and_missing_file(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text("city = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(env={}, file=f)
    with pytest.raises(ConfigError, match="not found"):
        load_config(env={}, file=tmp_path / "absent.toml")


def test_secret_is_masked_in_description():
    cfg = load_config(env={"MONITOR_SECRET_KEY": "hunter2"})
    shown = {name: value for name, value, _o, _h in cfg.describe()}
    assert shown["secret_key"] == "***"
    assert "hunter2" not in repr(cfg.describe())


def test_replace_validates(tmp_path):
    cfg = load_config(env={})
    assert cfg.replace(crawl_delay="0").crawl_delay == 0.0
    with pytest.raises(ConfigError):
        cfg.replace(nope=1)
