"""Observability: tracing, one failure alarm per function (written once), the service alarms, the dashboard."""

import json
import re

import pytest

from devstack.template import FOR_EACH, load_template

from .helpers import REPO_ROOT, SOURCE_FUNCTIONS, lambda_functions, of_type, resources


def alarms() -> dict[str, dict]:
    return of_type("AWS::CloudWatch::Alarm")


def test_given_every_function_then_traced_and_named_for_logs_and_metrics():
    for name, function in lambda_functions().items():
        assert function["TracingConfig"] == {"Mode": "Active"}, name
        variables = function["Environment"]["Variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"] == "shop", name
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == {"Fn::Sub": "Shop/${Stage}"}, name


def test_given_alarms_then_every_one_notifies_the_topic():
    assert len(alarms()) >= len(lambda_functions()) + 8
    for name, alarm in alarms().items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    subscription = of_type("AWS::SNS::Subscription")["AlarmEmailSubscription"]
    assert resources()["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"
    assert subscription["Endpoint"] == {"Ref": "AlarmEmail"}


@pytest.mark.parametrize("function", sorted(SOURCE_FUNCTIONS))
def test_given_function_then_an_alarm_fires_on_its_errors_or_throttles(function):
    alarm = alarms()[f"{function}FailuresAlarm"]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    assert metrics["failures"]["Expression"] == "FILL(errors, 0) + FILL(throttles, 0)"
    for metric_id, metric_name in (("errors", "Errors"), ("throttles", "Throttles")):
        stat = metrics[metric_id]["MetricStat"]
        assert stat["Metric"]["MetricName"] == metric_name
        assert stat["Metric"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
        assert stat["Stat"] == "Sum"
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)


def test_given_template_as_written_then_the_function_failure_alarm_is_defined_once_for_every_function():
    written = load_template(REPO_ROOT / "template.yaml", expand=False)["Resources"]
    loops = {key: loop for key, loop in written.items() if key.startswith(FOR_EACH)}
    (identifier, collection, fragment) = loops[f"{FOR_EACH}FunctionFailuresAlarms"]
    assert sorted(collection) == sorted(SOURCE_FUNCTIONS), "a function without a failure alarm, or one too many"
    assert list(fragment) == [f"${{{identifier}}}FailuresAlarm"]
    assert not [key for key in written if key.endswith("FailuresAlarm")], "a failure alarm written out by hand"


@pytest.mark.parametrize(
    ("alarm", "namespace", "metric", "statistic", "operator", "threshold"),
    [
        ("ApiServerErrorsAlarm", "AWS/ApiGateway", "5XXError", "Average", "GreaterThanThreshold", 0.01),
        ("ApiLatencyAlarm", "AWS/ApiGateway", "Latency", "p99", "GreaterThanThreshold", 2000),
        ("IndexerIteratorAgeAlarm", "AWS/Lambda", "IteratorAge", "Maximum", "GreaterThanThreshold", 60000),
        (
            "IndexerDeadLetterAlarm",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "Maximum",
            "GreaterThanOrEqualToThreshold",
            1,
        ),
        ("SearchClusterRedAlarm", "AWS/ES", "ClusterStatus.red", "Maximum", "GreaterThanOrEqualToThreshold", 1),
        ("SearchClusterYellowAlarm", "AWS/ES", "ClusterStatus.yellow", "Maximum", "GreaterThanOrEqualToThreshold", 1),
        ("SearchFreeStorageAlarm", "AWS/ES", "FreeStorageSpace", "Minimum", "LessThanOrEqualToThreshold", 2048),
    ],
)
def test_given_service_alarm_then_its_metric_and_threshold(alarm, namespace, metric, statistic, operator, threshold):
    properties = alarms()[alarm]
    assert (properties["Namespace"], properties["MetricName"]) == (namespace, metric)
    assert properties.get("Statistic", properties.get("ExtendedStatistic")) == statistic
    assert (properties["ComparisonOperator"], properties["Threshold"]) == (operator, threshold)


def test_given_dashboard_then_it_covers_the_api_functions_stream_search_domain_and_business_metrics():
    (dashboard,) = of_type("AWS::CloudWatch::Dashboard").values()
    body = dashboard["DashboardBody"]["Fn::Sub"][0]
    for needle in ("AWS/ApiGateway", "AWS/Lambda,FunctionName", "IteratorAge", "ApproximateNumberOfMessagesVisible"):
        assert needle in body
    assert "AWS/ES" in body and "FreeStorageSpace" in body
    assert "${MetricsNamespace}" in body
    json.loads(re.sub(r"\$\{[^}]+\}", "x", body))  # the body is JSON once CloudFormation fills it in
