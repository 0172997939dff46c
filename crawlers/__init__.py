"""The crawlers: a Scrapy project that fetches what the bureau's sources publish.

Spiders (``crawlers.spiders``) walk one source family each; field extraction
lives in small pure helpers (``crawlers.extract``); the store pipeline
(``crawlers.pipelines``) keeps every response as evidence and writes facts,
entities and events through :mod:`monitor.db`. Run with
:func:`crawlers.run.crawl` or ``monitor crawl``.
"""

PARSER_VERSION = "1"
