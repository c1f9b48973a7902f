"""The smoke suite's target: a deployed API (SHOP_API_URL, e.g. the stack's ApiUrl output), or skipped."""

import os

import pytest


@pytest.fixture(scope="session")
def api_url() -> str:
    url = os.environ.get("SHOP_API_URL", "").rstrip("/")
    if not url:
        pytest.skip(
            "SHOP_API_URL is unset: point it at a deployed API (the stack's ApiUrl output) to smoke-test it; "
            "test_against_local_stack.py runs the same tests against a local stack"
        )
    return url
