"""Complaint boards (投诉平台) and news sites: dated posts and articles naming platforms."""

from __future__ import annotations

from crawlers.spiders.court import EventSpider


class ComplaintsSpider(EventSpider):
    name = "complaints"
    parser_name = "complaints"
    family = "complaint"
    inline = True


class NewsSpider(EventSpider):
    name = "news"
    parser_name = "news"
    family = "news"
