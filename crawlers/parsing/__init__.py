"""Pure parsers of the source site's pages: article fields, listings, the feed and sitemaps.

One function per field (``fields``), each returning the value with where it came from and the raw
text it was read from, so a stored row can say why it holds what it holds. Nothing here does
I/O; the spider only routes.
"""

from .article import ArticlePage, page_to_item, parse_article
from .dates import parse_byline_date
from .discovery import Listed, parse_feed, parse_listing, parse_sitemap
from .fields import Field

__all__ = [
    "ArticlePage",
    "Field",
    "Listed",
    "page_to_item",
    "parse_article",
    "parse_byline_date",
    "parse_feed",
    "parse_listing",
    "parse_sitemap",
]
