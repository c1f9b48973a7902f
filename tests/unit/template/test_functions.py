"""What every function shares (runtime, layer), how the template is read (Fn::ForEach, expanded the same way
everywhere), and the rule that lets the scanner skip dead-letter queues for all functions."""

import json
import subprocess

from devstack.template import load_template

from .helpers import REPO_ROOT, SAM_PYTHON, SOURCE, SOURCE_FUNCTIONS, lambda_functions

# Event sources whose failures reach no caller: each needs somewhere to put what it gives up on.
SYNCHRONOUS_OR_POLLED = {"Api", "HttpApi", "DynamoDB", "Kinesis", "SQS", "MSK"}


def test_given_every_function_then_python313_on_arm64_with_the_shared_layer():
    function_globals = SOURCE["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Layers"] == [{"Ref": "SharedLayer"}]
    assert all("Runtime" not in p and "Layers" not in p for p in SOURCE_FUNCTIONS.values())
    layer = SOURCE["Resources"]["SharedLayer"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    # Built with hash-based bytecode (layers/shared/Makefile, functions/Makefile; tests/build checks the output).
    functions = [SOURCE["Resources"][logical_id] for logical_id in SOURCE_FUNCTIONS]
    built_by_make = {"BuildMethod": "makefile", "ContextPath": "functions"}
    assert all(f["Metadata"].items() >= built_by_make.items() for f in functions)


def test_given_the_sam_transform_then_one_lambda_function_per_function_of_the_template():
    assert set(lambda_functions()) == set(SOURCE_FUNCTIONS)


def test_given_functions_then_an_asynchronous_event_source_comes_with_a_failure_destination():
    """.checkov.yaml skips the dead-letter check (CKV_AWS_116) for every function; this is the rule it stands for."""
    sources = {name: {e["Type"] for e in f.get("Events", {}).values()} for name, f in SOURCE_FUNCTIONS.items()}
    assert sources["IndexerFunction"] == {"DynamoDB"} and "Api" in sources["GetProductFunction"]
    for name, types in sources.items():
        if types - SYNCHRONOUS_OR_POLLED:
            function = SOURCE_FUNCTIONS[name]
            on_failure = function.get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure")
            assert function.get("DeadLetterQueue") or on_failure, f"{name}: {sorted(types)} without a destination"
    for name, function in SOURCE_FUNCTIONS.items():
        for event in function.get("Events", {}).values():
            if event["Type"] in {"DynamoDB", "Kinesis"}:
                assert event["Properties"]["DestinationConfig"]["OnFailure"]["Destination"], name


def test_given_template_when_expanded_here_and_by_sam_cli_then_the_same_resources_and_looped_ones_alike():
    """The local stack, the diagram and these tests expand Fn::ForEach and its Fn::FindInMap lookups themselves (SAM
    CLI's expander also rewrites every other intrinsic it can resolve); the resources must be the ones SAM CLI and
    CloudFormation produce, and every resource a loop makes must have the properties SAM CLI gives it: its route,
    code, policies and alarms come from the loop's item and its mapping row."""
    script = """
import json, sys
from samtranslator.yaml_helper import yaml_parse
from samcli.lib.cfn_language_extensions.sam_integration import expand_language_extensions
template = yaml_parse(open(sys.argv[1]).read())
result = expand_language_extensions(template, {"AWS::Region": "eu-west-1"}, enabled=True)
assert result.had_language_extensions
print(json.dumps(result.expanded_template["Resources"]))
"""
    completed = subprocess.run(
        [str(SAM_PYTHON), "-c", script, str(REPO_ROOT / "template.yaml")],
        capture_output=True,
        text=True,
        check=False,
        env={"SAM_CLI_TELEMETRY": "0", "PATH": "/usr/bin:/bin"},
    )
    assert completed.returncode == 0, completed.stderr
    by_sam_cli = json.loads(completed.stdout.strip().splitlines()[-1])
    ours = SOURCE["Resources"]
    assert {name: r["Type"] for name, r in ours.items()} == {name: r["Type"] for name, r in by_sam_cli.items()}
    written = load_template(REPO_ROOT / "template.yaml", expand=False)
    assert written["Transform"][0] == "AWS::LanguageExtensions"
    looped = set(ours) - set(written["Resources"])
    assert {"GetCartFunction", "UpdateOrderStatusFunction", "StockAlertsDeadLetterQueue"} <= looped
    for name in sorted(looped):
        if name.endswith("FailuresAlarm"):
            # SAM CLI's expander flattens the description's Fn::Join into one string (a local rewrite:
            # CloudFormation keeps the Join); everything else must match.
            ours_but_description = {k: v for k, v in ours[name]["Properties"].items() if k != "AlarmDescription"}
            sam_but_description = {k: v for k, v in by_sam_cli[name]["Properties"].items() if k != "AlarmDescription"}
            assert ours_but_description == sam_but_description, name
        else:
            assert ours[name] == by_sam_cli[name], name


def test_given_the_route_functions_loop_then_each_item_has_its_mapping_row_and_its_failures_alarm():
    written = load_template(REPO_ROOT / "template.yaml", expand=False)
    loop = written["Resources"]["Fn::ForEach::RouteFunctions"]
    alarmed = written["Resources"]["Fn::ForEach::FunctionFailuresAlarms"][1]
    assert loop[1] == list(written["Mappings"]["RouteFunctions"])
    assert set(loop[1]) <= set(alarmed)
    assert all(
        row["KeyPolicy"] in {"TablesDataKeyReadPolicy", "TablesDataKeyWritePolicy"}
        for row in written["Mappings"]["RouteFunctions"].values()
    )
