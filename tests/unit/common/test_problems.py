import pytest

from shop.catalog import errors as catalog_errors
from shop.commerce import errors as commerce_errors
from shop.common import errors
from shop.common.problems import PROBLEM_TYPES, problem_type_of
from shop.search import errors as search_errors

ERROR_MODULES = (errors, catalog_errors, commerce_errors, search_errors)


def test_given_every_domain_error_then_it_maps_to_a_client_error_or_a_retryable_unavailable():
    domain_errors = {
        cls
        for module in ERROR_MODULES
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, errors.ShopError)
    }
    unmapped = {cls.__name__ for cls in domain_errors - {errors.ShopError} if cls not in PROBLEM_TYPES}
    assert unmapped == set()
    # 503 only for a dependency that is down: the client may retry; nothing maps to a 500.
    assert all(400 <= kind.status < 500 or kind.status == 503 for kind in PROBLEM_TYPES.values())
    assert {cls for cls, kind in PROBLEM_TYPES.items() if kind.status >= 500} == {
        search_errors.SearchUnavailable,
        commerce_errors.CheckoutUnavailable,
    }


def test_given_subclass_of_mapped_error_then_parent_mapping_applies():
    class VeryMissing(catalog_errors.ProductNotFound):
        pass

    assert problem_type_of(VeryMissing("x")).status == 404


@pytest.mark.parametrize("error", [errors.Unauthenticated(), commerce_errors.CartEmpty()])
def test_given_error_of_any_context_then_one_table_names_its_problem(error):
    assert problem_type_of(error) is PROBLEM_TYPES[type(error)]
