"""Files generated from the code or the template must match what is committed."""

import json
from pathlib import Path

from devstack.__main__ import function_environment
from devstack.template import load_template
from scripts.openapi import openapi_json

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_given_handlers_when_openapi_generated_then_committed_openapi_json_is_current():
    committed = json.loads((REPO_ROOT / "openapi.json").read_text())
    assert committed == json.loads(openapi_json()), "run `make openapi` and commit openapi.json"


def test_given_template_when_local_env_generated_for_default_ports_then_committed_env_json_is_current():
    expected = function_environment(
        "http://127.0.0.1:8000",
        load_template(),
        opensearch_endpoint="http://127.0.0.1:9200",
    )
    committed = json.loads((REPO_ROOT / "local" / "env.json").read_text())
    assert committed == expected, f"local/env.json should read:\n{json.dumps(expected, indent=2)}"


def test_given_env_json_then_it_only_overrides_variables_the_template_declares():
    # sam local ignores overrides of undeclared variables, silently: catch that here instead.
    template = load_template()
    declared = set(template["Globals"]["Function"]["Environment"]["Variables"])
    for resource in template["Resources"].values():
        declared |= set(resource.get("Properties", {}).get("Environment", {}).get("Variables", {}))
    overrides = set(json.loads((REPO_ROOT / "local" / "env.json").read_text())["Parameters"])
    assert overrides <= declared
