"""Errors of the search query and the indexer; shop.common.problems maps the API's to problems."""

from shop.common.errors import ShopError


class SearchUnavailable(ShopError):
    """The search service cannot answer right now (down, overloaded, or its index not created yet)."""


class InvalidSearch(ShopError):
    """Search parameters that are each valid but make no sense together."""


class InvalidCatalogRecord(Exception):
    """A stream record that cannot become a search document; retrying it will not help.

    Not a ShopError: no API route answers with it; the indexer reports the record as failed.
    """
