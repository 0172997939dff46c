"""One spider per source family; :data:`SPIDERS` maps a source kind to its spider."""

from crawlers.spiders.court import CourtSpider
from crawlers.spiders.disclosure import DisclosureSpider
from crawlers.spiders.events import ComplaintsSpider, NewsSpider
from crawlers.spiders.registry import RegistrySpider

SPIDERS = {s.name: s for s in (DisclosureSpider, RegistrySpider, CourtSpider, ComplaintsSpider, NewsSpider)}
