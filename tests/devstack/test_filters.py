"""Lambda's filter-pattern rules, as a DynamoDB event source applies them to stream records."""

import json

import pytest

from devstack.filters import InvalidFilterPattern, parse_patterns, passes

RECORD = {
    "eventName": "MODIFY",
    "dynamodb": {
        "Keys": {"pk": {"S": "PRODUCT#42"}, "sk": {"S": "PRODUCT"}},
        "NewImage": {"price": {"N": "1999"}, "tags": {"SS": ["gift", "audio"]}, "brand": {"S": "Sonara"}},
        "SizeBytes": 120,
    },
}


def patterns(*pattern: dict) -> tuple[dict, ...]:
    return parse_patterns({"Pattern": json.dumps(each)} for each in pattern)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"dynamodb": {"Keys": {"sk": {"S": ["PRODUCT"]}}}}, True),
        ({"dynamodb": {"Keys": {"sk": {"S": ["CART", "PRODUCT"]}}}}, True),
        ({"dynamodb": {"Keys": {"sk": {"S": ["CART"]}}}}, False),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "PRODUCT#"}]}}}}, True),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "CART#"}]}}}}, False),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"suffix": "#42"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"brand": {"S": [{"equals-ignore-case": "SONARA"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"brand": {"S": [{"wildcard": "So*ra"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"brand": {"S": [{"exists": True}]}}}}, True),
        ({"dynamodb": {"NewImage": {"stock": {"N": [{"exists": True}]}}}}, False),
        ({"dynamodb": {"NewImage": {"stock": {"N": [{"exists": False}]}}}}, True),
        ({"dynamodb": {"NewImage": {"brand": [{"exists": True}]}}}, False),  # an object is not a leaf
        ({"eventName": [{"anything-but": ["REMOVE"]}]}, True),
        ({"eventName": [{"anything-but": "MODIFY"}]}, False),
        ({"eventName": [{"anything-but": {"prefix": "MOD"}}]}, False),
        ({"dynamodb": {"NewImage": {"stock": {"S": [{"anything-but": "x"}]}}}}, False),  # absent is not "anything"
        ({"dynamodb": {"SizeBytes": [{"numeric": [">", 100, "<=", 120]}]}}, True),
        ({"dynamodb": {"SizeBytes": [{"numeric": [">", 120]}]}}, False),
        ({"dynamodb": {"SizeBytes": [120]}}, True),
        ({"dynamodb": {"SizeBytes": ["120"]}}, False),  # JSON types must agree
        # DynamoDB numbers are strings in the record: numeric rules never match them, as in AWS.
        ({"dynamodb": {"NewImage": {"price": {"N": [{"numeric": [">", 0]}]}}}}, False),
        ({"dynamodb": {"NewImage": {"price": {"N": ["1999"]}}}}, True),
        ({"dynamodb": {"NewImage": {"tags": {"SS": ["audio"]}}}}, True),  # any element of a list
        ({"eventName": ["MODIFY"], "dynamodb": {"Keys": {"sk": {"S": ["CART"]}}}}, False),  # fields AND
        ({"$or": [{"eventName": ["INSERT"]}, {"dynamodb": {"Keys": {"sk": {"S": ["PRODUCT"]}}}}]}, True),
        ({"$or": [{"eventName": ["INSERT"]}, {"eventName": ["REMOVE"]}]}, False),
    ],
)
def test_given_pattern_when_record_checked_then_it_passes_as_lambda_filtering_decides(pattern, expected):
    assert passes(RECORD, patterns(pattern)) is expected


def test_given_several_filters_when_any_one_matches_then_the_record_passes():
    assert passes(RECORD, patterns({"eventName": ["INSERT"]}, {"eventName": ["MODIFY"]}))
    assert not passes(RECORD, patterns({"eventName": ["INSERT"]}, {"eventName": ["REMOVE"]}))


def test_given_no_filters_when_record_checked_then_it_passes():
    assert passes(RECORD, ())


@pytest.mark.parametrize(
    "pattern",
    [
        "not json",
        json.dumps({}),
        json.dumps({"eventName": "MODIFY"}),  # a leaf must be a list
        json.dumps({"eventName": []}),
        json.dumps({"eventName": [{"regex": "M.*"}]}),
        json.dumps({"eventName": [{"numeric": [">"]}]}),
        json.dumps({"eventName": [{"prefix": "M", "suffix": "Y"}]}),
    ],
)
def test_given_invalid_pattern_when_parsed_then_refused_as_lambda_refuses_the_mapping(pattern):
    with pytest.raises(InvalidFilterPattern):
        parse_patterns([{"Pattern": pattern}])
