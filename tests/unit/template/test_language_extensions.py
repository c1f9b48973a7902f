"""The local reader's Fn::ForEach expansion (devstack.template), which the local stack, the diagram and the
template tests rely on, against the rules of AWS::LanguageExtensions."""

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
