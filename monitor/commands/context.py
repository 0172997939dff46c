"""What every command gets: the configuration, loaded once on first use."""

from __future__ import annotations

import logging

import click

from monitor.config import Config, load_config


class Context:
    """What every command gets through ``click.pass_obj``: the configuration, loaded once."""

    def __init__(self, config_file: str | None):
        self._config_file = config_file
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(file=self._config_file)
            logging.basicConfig(level=self._config.log_level.upper(),
                                format="%(asctime)s %(levelname)s %(name)s: %(message)s")
            # Library chatter is not for the operator's terminal.
            for noisy in ("alembic", "scrapy", "py.warnings", "apscheduler"):
                logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
        return self._config


pass_ctx = click.make_pass_decorator(Context)
