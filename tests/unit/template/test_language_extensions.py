"""The local reader's Fn::ForEach expansion and Fn::FindInMap lookups (devstack.template), which the local stack,
the diagram and the template tests rely on, against the rules of AWS::LanguageExtensions."""

import pytest

from devstack.template import expand_for_each


def loop(identifier, collection, fragment):
    return [identifier, collection, fragment]


def test_given_loop_when_expanded_then_each_item_fills_keys_strings_and_refs_to_the_identifier():
    template = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Fn::ForEach::Alarms": loop(
                "Name",
                ["A", "B"],
                {
                    "${Name}Alarm": {
                        "Type": "AWS::CloudWatch::Alarm",
                        "Properties": {
                            "AlarmDescription": {"Fn::Sub": "${Name} failed in ${AWS::Region}"},
                            "Dimension": {"Ref": {"Fn::Sub": "${Name}"}},
                            "Label": {"Ref": "Name"},
                            "Arn": {"Fn::GetAtt": [{"Fn::Sub": "${Name}"}, "Arn"]},
                            "Actions": [{"Ref": "Topic"}],
                        },
                    }
                },
            ),
        }
    }
    resources = expand_for_each(template)["Resources"]
    assert list(resources) == ["Topic", "AAlarm", "BAlarm"]
    assert resources["BAlarm"]["Properties"] == {
        "AlarmDescription": {"Fn::Sub": "B failed in ${AWS::Region}"},
        "Dimension": {"Ref": "B"},
        "Label": "B",
        "Arn": {"Fn::GetAtt": ["B", "Arn"]},
        "Actions": [{"Ref": "Topic"}],
    }


def test_given_ampersand_form_when_expanded_then_non_alphanumeric_characters_are_dropped_from_the_item():
    template = {"Outputs": {"Fn::ForEach::Paths": loop("Path", ["/a/{id}"], {"Route&{Path}": {"Value": "${Path}"}})}}
    assert expand_for_each(template)["Outputs"] == {"Routeaid": {"Value": "/a/{id}"}}


def test_given_nested_loops_when_expanded_then_every_combination():
    inner = loop("Y", ["1", "2"], {"R${X}${Y}": {"Type": "T"}})
    template = {"Resources": {"Fn::ForEach::Outer": loop("X", ["a", "b"], {"Fn::ForEach::Inner": inner})}}
    assert list(expand_for_each(template)["Resources"]) == ["Ra1", "Ra2", "Rb1", "Rb2"]


def test_given_collection_from_a_comma_delimited_parameter_then_its_default_is_iterated():
    template = {
        "Parameters": {"Names": {"Type": "CommaDelimitedList", "Default": "x,y"}},
        "Conditions": {"Fn::ForEach::Is": loop("N", {"Ref": "Names"}, {"Is${N}": {"Fn::Equals": ["${N}", "x"]}})},
    }
    assert expand_for_each(template)["Conditions"] == {
        "Isx": {"Fn::Equals": ["x", "x"]},
        "Isy": {"Fn::Equals": ["y", "x"]},
    }


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ({"Fn::ForEach::Bad": ["N", ["a"]]}, "must be \\[identifier, collection"),
        ({"Fn::ForEach::Bad": loop("N", "a,b", {"R${N}": {}})}, "the collection must be a list"),
        ({"Fn::ForEach::Bad": loop("N", {"Ref": "Missing"}, {"R${N}": {}})}, "names no CommaDelimitedList"),
        ({"Ra": {}, "Fn::ForEach::Bad": loop("N", ["a"], {"R${N}": {}})}, "already has"),
        ({"Fn::ForEach::Bad": loop("N", ["a", "a"], {"R${N}": {}})}, "produces Ra twice"),
    ],
)
def test_given_malformed_loop_when_expanded_then_it_says_what_is_wrong(resources, message):
    with pytest.raises(ValueError, match=message):
        expand_for_each({"Resources": resources})


ROUTES = {
    "Routes": {"GetA": {"Path": "/a", "Actions": ["dynamodb:GetItem"], "Policy": "ReadPolicy"}, "PutB": {"Path": "/b"}}
}


def looked_up(second_key, default=None):
    arguments = ["Routes", {"Ref": "Name"}, second_key]
    return {"Fn::FindInMap": arguments + ([{"DefaultValue": default}] if default is not None else [])}


def test_given_find_in_map_keyed_by_the_loop_identifier_when_expanded_then_each_copy_holds_its_rows_values():
    template = {
        "Mappings": ROUTES,
        "Resources": {
            "Fn::ForEach::Routes": loop(
                "Name",
                ["GetA"],
                {
                    "${Name}Function": {
                        "Type": "AWS::Serverless::Function",
                        "Properties": {
                            "Path": looked_up("Path"),
                            "Policies": [{"Ref": looked_up("Policy")}, {"Action": looked_up("Actions")}],
                        },
                    }
                },
            )
        },
    }
    properties = expand_for_each(template)["Resources"]["GetAFunction"]["Properties"]
    assert properties == {"Path": "/a", "Policies": [{"Ref": "ReadPolicy"}, {"Action": ["dynamodb:GetItem"]}]}
    # Each copy owns its value: changing it leaves the mapping as written.
    properties["Policies"][1]["Action"].append("dynamodb:PutItem")
    assert template["Mappings"]["Routes"]["GetA"]["Actions"] == ["dynamodb:GetItem"]


def test_given_a_row_without_the_key_when_expanded_then_the_default_value_else_a_clear_error():
    with_default = {
        "Mappings": ROUTES,
        "Outputs": {
            "Fn::ForEach::O": loop("Name", ["PutB"], {"${Name}": {"Value": looked_up("Policy", "WritePolicy")}})
        },
    }
    assert expand_for_each(with_default)["Outputs"] == {"PutB": {"Value": "WritePolicy"}}
    without = {
        "Mappings": ROUTES,
        "Outputs": {"Fn::ForEach::O": loop("Name", ["PutB"], {"${Name}": {"Value": looked_up("Policy")}})},
    }
    with pytest.raises(ValueError, match=r"Routes.PutB has no Policy"):
        expand_for_each(without)


@pytest.mark.parametrize(
    ("item", "mappings", "message"),
    [
        ("Missing", ROUTES, "the mapping Routes has no key Missing"),
        ("GetA", {}, "the template has no mapping Routes"),
    ],
)
def test_given_find_in_map_with_an_unknown_map_or_row_when_expanded_then_it_names_what_is_missing(
    item, mappings, message
):
    template = {
        "Mappings": mappings,
        "Resources": {"Fn::ForEach::R": loop("Name", [item], {"R${Name}": {"Path": looked_up("Path")}})},
    }
    with pytest.raises(ValueError, match=message):
        expand_for_each(template)


def test_given_find_in_map_keyed_by_a_parameter_when_expanded_then_it_is_left_for_cloudformation():
    lookup = {"Fn::FindInMap": ["Routes", {"Ref": "Stage"}, "Path"]}
    template = {
        "Mappings": ROUTES,
        "Resources": {"Fn::ForEach::R": loop("Name", ["a"], {"R${Name}": {"Path": lookup}})},
    }
    assert expand_for_each(template)["Resources"]["Ra"] == {"Path": lookup}


@pytest.mark.parametrize(
    "arguments",
    [
        ["Routes", "GetA"],
        ["Routes", "GetA", "Path", "fallback"],
        ["Routes", "GetA", "Path", {"Default": "x"}],
        "Routes",
    ],
)
def test_given_malformed_find_in_map_when_expanded_then_it_says_what_it_takes(arguments):
    template = {"Mappings": ROUTES, "Resources": {"R": {"Path": {"Fn::FindInMap": arguments}}}}
    with pytest.raises(ValueError, match=r"Fn::FindInMap takes \[MapName, TopLevelKey, SecondLevelKey\]"):
        expand_for_each(template)
