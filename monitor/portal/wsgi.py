"""The portal's WSGI entry for gunicorn: ``gunicorn 'monitor.portal.wsgi:wsgi_app()'``."""

from __future__ import annotations

import logging
import threading
import time

WARM_EVERY_S = 60.0  # how often a worker looks for transfer files changed by an ingest or a compaction

log = logging.getLogger(__name__)


def wsgi_app(insecure_cookies: bool = False, warm: bool = True):
    """The portal application, configured from the environment.

    ``insecure_cookies`` drops the session cookie's Secure flag (only for
    clients that refuse Secure cookies over plain HTTP, e.g. the benchmark).
    With ``warm``, the worker loads what a flow request reads before it
    serves, and a background thread builds the flow explorer's missing
    flow files (:func:`monitor.portal.graph.warm_flow_files`) at start and
    every ``WARM_EVERY_S`` seconds, so that no request waits for one.
    """
    from monitor.portal import create_app

    app = create_app(test_config={"SESSION_COOKIE_SECURE": False} if insecure_cookies else None)
    if warm:
        from monitor.portal.graph import prepare_flow_reads

        prepare_flow_reads()
        threading.Thread(target=_warm, args=(app.extensions["monitor_config"],), name="warm-flow-files",
                         daemon=True).start()
    return app


def _warm(config) -> None:
    from monitor.portal.graph import warm_flow_files

    while True:
        try:
            built = warm_flow_files(config)
            if built:
                log.info("flow files built for %d institution(s)", built)
        except Exception:  # a store being written or migrated: look again next time
            log.exception("flow files not warmed")
        time.sleep(WARM_EVERY_S)
