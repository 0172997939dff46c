"""Errors the monitor reports to people as one clear line (no traceback)."""


class MonitorError(Exception):
    """An error caused by input or environment, shown as ``error: <message>``.

    The message is English (the command line's language). An error people can
    meet in the portal also carries a ``code`` and its ``params``: the portal
    shows its own translated text for the code (``monitor.portal.common``).
    """

    exit_code = 2

    def __init__(self, *args, code: str | None = None, **params):
        super().__init__(*args)
        self.code, self.params = code, params


class ConfigError(MonitorError):
    """A bad setting, configuration file or environment variable."""


class StoreError(MonitorError):
    """The database cannot be reached or is not in the expected state."""


class InputError(MonitorError):
    """Bad input data: names the file, line and column where it can."""
