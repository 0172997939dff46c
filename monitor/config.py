"""The monitor's one configuration object.

Every setting is declared once, as data, in :data:`SETTINGS` (name, type,
default, help). Values come, in increasing priority, from the defaults, an
optional TOML file (``MONITOR_CONFIG`` or ``<instance_dir>/monitor.toml``) and
environment variables ``MONITOR_<NAME>``. Unknown keys in either place are
rejected with a :class:`~monitor.errors.ConfigError`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from monitor.errors import ConfigError

ENV_PREFIX = "MONITOR_"
# Environment variables with the prefix that are not settings themselves.
_META_ENV = {"MONITOR_CONFIG"}


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    # -- where things live
    Setting("instance_dir", str, "instance",
            "Folder for the embedded database, evidence bodies, transfer store and briefings."),
    Setting("database_url", str, "",
            "SQLAlchemy URL of the store. Empty: SQLite file <instance_dir>/monitor.db. "
            "PostgreSQL: postgresql+psycopg://user@host:5432/db"),
    Setting("transfer_store", str, "",
            "Folder of the columnar transfer store (Parquet). Empty: <instance_dir>/transfers"),
    Setting("evidence_dir", str, "",
            "Folder where crawled bodies are kept by sha256. Empty: <instance_dir>/evidence"),
    Setting("drop_dir", str, "",
            "Folder watched by sweeps for new transfer files. Empty: <instance_dir>/drop"),
    Setting("briefing_dir", str, "",
            "Folder of the briefing archive (PDF). Empty: <instance_dir>/briefings"),
    # -- ingest
    Setting("ingest_lock_wait", float, 600.0,
            "Seconds an ingest waits for another process's ingest of the same institution; "
            "then the file fails as busy."),
    Setting("ingest_max_future_days", int, 1,
            "Transactions dated more than this many days after today are refused (1: after tomorrow)."),
    # -- the bureau
    Setting("city", str, "示范市", "Name of the city (jurisdiction) the bureau supervises."),
    Setting("timezone", str, "Asia/Shanghai", "Time zone for dates shown to people."),
    Setting("locale", str, "zh_CN", "Default user-interface and briefing language (zh_CN or en)."),
    # -- crawling
    Setting("crawl_user_agent", str, "CityRiskMonitor/0.1 (+finance bureau supervision; contact: operator)",
            "User agent the crawlers identify themselves with."),
    Setting("crawl_concurrency_per_host", int, 2, "Concurrent requests per host."),
    Setting("crawl_delay", float, 1.0, "Seconds between requests to the same host (randomised by Scrapy)."),
    Setting("crawl_autothrottle", bool, True, "Adapt the delay to the server's latency (Scrapy AutoThrottle)."),
    Setting("crawl_obey_robots", bool, True, "Honour robots.txt."),
    Setting("crawl_timeout", float, 30.0, "Seconds before a request is given up."),
    Setting("crawl_max_page_bytes", int, 5_000_000, "Largest body kept; larger responses are cut off and recorded as such."),
    Setting("crawl_retries", int, 2, "Retries of a failed request (with backoff)."),
    Setting("crawl_max_errors_per_source", int, 50, "A source is abandoned after this many errors in one crawl."),
    Setting("crawl_base_url", str, "",
            "Base URL for sources stored with relative URLs (a simulated city); sweeps crawl with it. Empty: none."),
    # -- sweeps and scheduling
    Setting("sweep_full_cron", str, "0 2 * * *", "Cron expression of the daily full sweep."),
    Setting("sweep_light_cron", str, "15 * * * *", "Cron expression of the hourly light sweep."),
    Setting("sweep_stale_minutes", int, 360, "A running sweep whose heartbeat is older than this is marked failed."),
    Setting("engine", str, "local",
            "Engine of the sweep's graph stage: local (DuckDB and a process pool on this machine) or spark "
            "(Apache Spark; needs pip install '.[spark]' and a Java runtime). See docs/architecture.md, Growth."),
    Setting("spark_master", str, "local[2]", "Spark master with engine=spark: local[N], yarn or spark://host:7077."),
    Setting("spark_executor_memory", str, "2g", "Memory of each Spark executor (Spark notation, e.g. 2g)."),
    Setting("spark_shuffle_partitions", int, 8,
            "Spark shuffle partitions of the graph stage (a few per executor core)."),
    Setting("sweep_compact", bool, False,
            "Full sweeps compact the transfer store (monitor compact) before the graph stage."),
    Setting("briefing_weekly_cron", str, "",
            "Cron expression of the weekly city briefing of the last full week, e.g. '0 6 * * 1' "
            "(Monday 06:00, after the night's full sweep). Empty: no scheduled briefing."),
    # -- portal
    Setting("secret_key", str, "", "Flask secret key; empty: generated once and kept in <instance_dir>/secret_key.",
            secret=True),
    Setting("log_level", str, "INFO", "Logging level (DEBUG, INFO, WARNING, ERROR)."),
    Setting("portal_secure_cookies", bool, True,
            "Send the sign-in cookie over HTTPS only (Secure). `monitor web` on a loopback address "
            "(127.0.0.1, localhost) turns it off unless this is set explicitly; set false to use the portal "
            "over plain HTTP elsewhere."),
    Setting("portal_session_hours", float, 8.0, "Hours a sign-in lasts at most, active or not."),
    Setting("portal_idle_minutes", float, 30.0, "Minutes without a request after which a sign-in ends."),
    Setting("portal_login_rate_limit", str, "20 per 15 minutes",
            "Sign-in attempts allowed from one network address, across user names (Flask-Limiter notation); "
            "a per-account lockout applies as well."),
    Setting("portal_rate_limit_storage", str, "memory://",
            "Where the per-address counts are kept (Flask-Limiter storage URI): memory:// (per process: "
            "each gunicorn worker counts apart), redis://host:6379, memcached://host:11211, "
            "mongodb://host:27017."),
)

_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, raw: Any, origin: str) -> Any:
    """Convert ``raw`` (a TOML value or an environment string) to the setting's type."""
    t = setting.type
    if t is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{origin}: {setting.name} must be true or false, not {raw!r}")
    try:
        if t is int and isinstance(raw, float):
            raise ValueError
        return t(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{origin}: {setting.name} must be {t.__name__}, not {raw!r}") from None


class Config(Mapping[str, Any]):
    """Effective settings; read-only mapping plus attribute access."""

    def __init__(self, values: Mapping[str, Any], origins: Mapping[str, str]):
        self._values = dict(values)
        self._origins = dict(origins)

    # Mapping protocol
    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(key) from None

    def origin(self, key: str) -> str:
        return self._origins[key]

    # Derived paths: one place decides where each thing lives.
    @property
    def instance_path(self) -> Path:
        return Path(self._values["instance_dir"]).expanduser().resolve()

    def _path(self, key: str, default_name: str) -> Path:
        value = self._values[key]
        return Path(value).expanduser().resolve() if value else self.instance_path / default_name

    @property
    def db_url(self) -> str:
        return self._values["database_url"] or f"sqlite:///{self.instance_path / 'monitor.db'}"

    @property
    def transfer_store_path(self) -> Path:
        return self._path("transfer_store", "transfers")

    @property
    def evidence_path(self) -> Path:
        return self._path("evidence_dir", "evidence")

    @property
    def drop_path(self) -> Path:
        return self._path("drop_dir", "drop")

    @property
    def briefing_path(self) -> Path:
        return self._path("briefing_dir", "briefings")

    def replace(self, **overrides: Any) -> "Config":
        """A copy with some settings changed (validated like any other source)."""
        values, origins = dict(self._values), dict(self._origins)
        for key, raw in overrides.items():
            setting = _BY_NAME.get(key)
            if setting is None:
                raise ConfigError(f"unknown setting {key!r}")
            values[key] = _coerce(setting, raw, "override")
            origins[key] = "override"
        return Config(values, origins)

    def describe(self) -> list[tuple[str, str, str, str]]:
        """Rows of (name, shown value, origin, help) for ``monitor config show``."""
        rows = []
        for s in SETTINGS:
            value = self._values[s.name]
            shown = "***" if s.secret and value else repr(value)
            rows.append((s.name, shown, self._origins[s.name], s.help))
        return rows


def load_config(env: Mapping[str, str] | None = None, file: str | os.PathLike | None = None) -> Config:
    """Build the effective configuration.

    ``env`` defaults to ``os.environ``; ``file`` to ``MONITOR_CONFIG`` or
    ``<instance_dir>/monitor.toml`` when that exists.
    """
    env = os.environ if env is None else env
    values = {s.name: s.default for s in SETTINGS}
    origins = {s.name: "default" for s in SETTINGS}

    env_values: dict[str, tuple[Setting, str]] = {}
    for key, raw in env.items():
        if not key.startswith(ENV_PREFIX) or key in _META_ENV:
            continue
        name = key[len(ENV_PREFIX):].lower()
        setting = _BY_NAME.get(name)
        if setting is None:
            raise ConfigError(f"environment variable {key}: unknown setting {name!r} "
                              f"(see `monitor config show` for the known ones)")
        env_values[name] = (setting, raw)

    path: Path | None = None
    if file is not None:
        path = Path(file)
    elif env.get("MONITOR_CONFIG"):
        path = Path(env["MONITOR_CONFIG"])
    else:
        instance = env_values.get("instance_dir", (None, values["instance_dir"]))[1]
        candidate = Path(instance) / "monitor.toml"
        path = candidate if candidate.is_file() else None
    if path is not None:
        for name, raw in _read_toml(path).items():
            setting = _BY_NAME.get(name)
            if setting is None:
                raise ConfigError(f"{path}: unknown setting {name!r} "
                                  f"(see `monitor config show` for the known ones)")
            values[name] = _coerce(setting, raw, str(path))
            origins[name] = str(path)

    for name, (setting, raw) in env_values.items():
        values[name] = _coerce(setting, raw, f"{ENV_PREFIX}{name.upper()}")
        origins[name] = "environment"
    return Config(values, origins)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    # A [monitor] table is accepted so the file can share space with other tools.
    if set(data) == {"monitor"} and isinstance(data["monitor"], dict):
        data = data["monitor"]
    return data

