import pytest

from shop import api, errors


@pytest.mark.parametrize(("header", "version"), [(None, None), ("*", None), ('"3"', 3), ("7", 7), (' "12" ', 12)])
def test_given_if_match_when_parsed_then_version(header, version):
    assert api.parse_if_match(header) == version


@pytest.mark.parametrize("header", ['W/"3"', "abc", '"3', '"-1"', "", '"3", "4"', "9" * 30])
def test_given_malformed_if_match_when_parsed_then_invalid_precondition(header):
    with pytest.raises(errors.InvalidPrecondition):
        api.parse_if_match(header)


def test_given_every_domain_error_then_it_maps_to_a_client_error_status():
    domain_errors = {
        cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.ShopError)
    }
    unmapped = {cls.__name__ for cls in domain_errors - {errors.ShopError} if cls not in api.PROBLEM_TYPES}
    assert unmapped == set()
    assert all(400 <= kind.status < 500 for kind in api.PROBLEM_TYPES.values())


def test_given_subclass_of_mapped_error_then_parent_mapping_applies():
    class VeryMissing(errors.ProductNotFound):
        pass

    assert api.problem_type_of(VeryMissing("x")).status == 404


def test_given_etag_when_round_tripped_through_if_match_then_same_version():
    assert api.parse_if_match(api.etag(41)) == 41
