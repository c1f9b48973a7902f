"""devstack.apigw's Lambda Invoke endpoint (SAM CLI's `start-lambda` service) on the fixture template, called as
AWS's own Lambda API is: with boto3, and through devstack.streams' real invoker."""

import json

import boto3
import pytest
from botocore.config import Config

from devstack.streams import Invocation, LambdaEndpoint


@pytest.fixture(scope="module")
def lambda_client(gateway):
    return boto3.client(
        "lambda",
        endpoint_url=gateway.lambda_url,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_given_function_returns_when_invoked_by_name_then_its_response_comes_back_without_function_error(lambda_client):
    response = lambda_client.invoke(FunctionName="EchoFunction", Payload=json.dumps({"Records": [{"n": 1}]}))

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {
        "echo": {"Records": [{"n": 1}]},
        "function_name": "EchoFunction",
    }


def test_given_function_raises_when_invoked_then_function_error_unhandled_and_lambda_error_payload(lambda_client):
    response = lambda_client.invoke(FunctionName="EchoFunction", Payload=json.dumps({"raise": "poison record"}))

    assert response["StatusCode"] == 200  # as in AWS: the invoke succeeded, the function did not
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "poison record")


def test_given_lambda_endpoint_invoker_when_function_raises_then_invocation_carries_the_function_error(gateway):
    invoke = LambdaEndpoint(gateway.lambda_url, "us-east-1")

    succeeded = invoke("EchoFunction", {"Records": []})
    failed = invoke("EchoFunction", {"raise": "boom"})

    assert succeeded == Invocation(payload={"echo": {"Records": []}, "function_name": "EchoFunction"})
    assert failed.function_error == "Unhandled"
    assert failed.payload["errorMessage"] == "boom"
