"""Errors the monitor reports to people as one clear line (no traceback)."""


class MonitorError(Exception):
    """An error caused by input or environment, shown as ``error: <message>``."""

    exit_code = 2


class ConfigError(MonitorError):
    """A bad setting, configuration file or environment variable."""


class StoreError(MonitorError):
    """The database cannot be reached or is not in the expected state."""


class InputError(MonitorError):
    """Bad input data: names the file, line and column where it can."""
