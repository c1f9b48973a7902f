"""Lambda's event filtering (FilterCriteria) for stream records: the filter-pattern rules a DynamoDB event source uses.

A pattern is a JSON object shaped like the record: an object descends into the record's field of the same name; a
list at a leaf holds the conditions, any one of which matching is enough. Every field of a pattern must match (AND),
and a record passes if any of the source's patterns matches it (OR). As in Lambda:

- a literal (string, number, boolean, null) matches an equal value of the same JSON type;
- `{"prefix": s}`, `{"suffix": s}`, `{"equals-ignore-case": s}`, `{"wildcard": "a*b"}` match strings;
- `{"numeric": [">", 0, "<=", 5]}` matches JSON numbers only: DynamoDB's `{"N": "5"}` is a string and never matches,
  as AWS documents;
- `{"anything-but": value | [values] | {"prefix" | "suffix" | "equals-ignore-case": s}}` matches a present value that
  is none of those;
- `{"exists": true | false}` tests a leaf field's presence (an empty list counts as absent, an object is not a leaf);
- a field of the record holding a list matches when any of its elements does;
- `"$or": [pattern, ...]` at any level matches when one of the patterns does.
"""

import json
import operator
import re
from collections.abc import Callable, Iterable
from typing import Any

STRING_OPERATORS = ("prefix", "suffix", "equals-ignore-case", "wildcard")
NUMERIC_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class InvalidFilterPattern(ValueError):
    """A pattern Lambda would refuse when the event source mapping is created."""


def parse_patterns(filters: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """The FilterCriteria.Filters of a template, each Pattern (a JSON string) parsed and checked."""
    patterns = []
    for entry in filters:
        try:
            pattern = json.loads(entry["Pattern"])
        except (KeyError, TypeError, json.JSONDecodeError) as error:
            raise InvalidFilterPattern(f"not a JSON filter pattern: {entry!r}") from error
        _check_object(pattern)
        patterns.append(pattern)
    return tuple(patterns)


def passes(record: dict[str, Any], patterns: tuple[dict[str, Any], ...]) -> bool:
    """Whether Lambda would send `record` to the function: no filters, or any one pattern matching it."""
    return not patterns or any(_matches_object(pattern, record) for pattern in patterns)


def _check_object(pattern: object) -> None:
    if not isinstance(pattern, dict) or not pattern:
        raise InvalidFilterPattern(f"a filter pattern must be a non-empty object: {pattern!r}")
    for key, rule in pattern.items():
        if key == "$or":
            if not isinstance(rule, list) or len(rule) < 2:
                raise InvalidFilterPattern(f"$or needs a list of at least two patterns: {rule!r}")
            for alternative in rule:
                _check_object(alternative)
        elif isinstance(rule, dict):
            _check_object(rule)
        elif isinstance(rule, list) and rule:
            for condition in rule:
                _check_condition(condition)
        else:
            raise InvalidFilterPattern(f"{key!r} must hold an object or a non-empty list of conditions: {rule!r}")


def _check_condition(condition: object) -> None:
    if not isinstance(condition, dict):
        return  # a literal
    if len(condition) != 1:
        raise InvalidFilterPattern(f"a condition has exactly one operator: {condition!r}")
    [(name, argument)] = condition.items()
    if name in STRING_OPERATORS:
        valid = isinstance(argument, str)
    elif name == "exists":
        valid = isinstance(argument, bool)
    elif name == "numeric":
        valid = _is_numeric_rule(argument)
    elif name == "anything-but":
        valid = (
            _is_literal(argument)
            or (isinstance(argument, list) and bool(argument) and all(_is_literal(value) for value in argument))
            or (
                isinstance(argument, dict)
                and len(argument) == 1
                and next(iter(argument)) in ("prefix", "suffix", "equals-ignore-case")
                and isinstance(next(iter(argument.values())), str)
            )
        )
    else:
        raise InvalidFilterPattern(f"unsupported filter operator {name!r}")
    if not valid:
        raise InvalidFilterPattern(f"bad argument for {name!r}: {argument!r}")


def _is_literal(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_numeric_rule(argument: object) -> bool:
    if not isinstance(argument, list) or not argument or len(argument) % 2:
        return False
    return all(
        name in NUMERIC_COMPARISONS and _is_number(bound)
        for name, bound in zip(argument[::2], argument[1::2], strict=True)
    )


def _matches_object(pattern: dict[str, Any], value: object) -> bool:
    for key, rule in pattern.items():
        if key == "$or":
            if not any(_matches_object(alternative, value) for alternative in rule):
                return False
            continue
        present = isinstance(value, dict) and key in value
        field = value[key] if present else None  # type: ignore[index]
        if isinstance(rule, dict):
            # Descending into an absent field still matters: {"exists": false} below it matches.
            if not _matches_object(rule, field):
                return False
        elif not _matches_leaf(rule, present, field):
            return False
    return True


def _matches_leaf(conditions: list[Any], present: bool, field: object) -> bool:
    # Exists only looks at leaves: an object is never one, and an empty list is no value at all.
    is_leaf = present and not isinstance(field, dict) and field != []
    values = field if isinstance(field, list) else [field]
    for condition in conditions:
        if isinstance(condition, dict) and "exists" in condition:
            if condition["exists"] == is_leaf:
                return True
        elif is_leaf and any(_matches_value(condition, value) for value in values):
            return True
    return False


def _matches_value(condition: object, value: object) -> bool:
    if not isinstance(condition, dict):
        return _equal(condition, value)
    [(name, argument)] = condition.items()
    if name == "numeric":
        return (
            _is_number(value)
            and all(
                NUMERIC_COMPARISONS[comparison](value, bound)  # type: ignore[arg-type]
                for comparison, bound in zip(argument[::2], argument[1::2], strict=True)
            )
        )
    if name == "anything-but":
        if isinstance(argument, dict):
            return isinstance(value, str) and not _matches_value(argument, value)
        excluded = argument if isinstance(argument, list) else [argument]
        return not any(_equal(item, value) for item in excluded)
    if not isinstance(value, str):
        return False
    if name == "prefix":
        return value.startswith(argument)
    if name == "suffix":
        return value.endswith(argument)
    if name == "equals-ignore-case":
        return value.casefold() == argument.casefold()
    return re.fullmatch(".*".join(map(re.escape, argument.split("*"))), value, re.DOTALL) is not None


def _equal(literal: object, value: object) -> bool:
    # JSON types must agree: the string "1" is not the number 1, and true is not 1.
    if _is_number(literal):
        return _is_number(value) and literal == value
    return type(literal) is type(value) and literal == value
