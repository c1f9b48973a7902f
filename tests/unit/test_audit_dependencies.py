"""scripts/audit_dependencies.py: a vulnerability always fails; an unauditable package fails only when strict."""

import json
import subprocess

import pytest

from scripts import audit_dependencies


def pip_audit_answers(monkeypatch, dependencies):
    def run(command, **kwargs):
        assert "--no-deps" in command and "-r" in command
        return subprocess.CompletedProcess(command, 0, stdout=json.dumps({"dependencies": dependencies}), stderr="")

    monkeypatch.setattr(audit_dependencies.subprocess, "run", run)


CLEAN = {"name": "six", "version": "1.17.0", "vulns": []}
VULNERABLE = {
    "name": "urllib3",
    "version": "1.0",
    "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["2.5.0"], "description": "..."}],
}
UNAUDITABLE = {"name": "boto3", "skip_reason": "Dependency not found on PyPI and could not be audited"}


def test_given_only_clean_packages_when_audited_then_it_passes(monkeypatch, capsys):
    pip_audit_answers(monkeypatch, [CLEAN])
    assert audit_dependencies.main(["requirements.txt", "--strict"]) == 0
    assert "1 audited, 0 not audited, 0 vulnerable" in capsys.readouterr().out


def test_given_a_vulnerable_package_when_audited_then_it_fails_naming_the_advisory_and_fix(monkeypatch, capsys):
    pip_audit_answers(monkeypatch, [CLEAN, VULNERABLE])
    assert audit_dependencies.main(["requirements.txt"]) == 1
    assert "VULNERABLE urllib3 1.0: GHSA-xxxx (fixed in 2.5.0)" in capsys.readouterr().out


@pytest.mark.parametrize(("strict", "status"), [(False, 0), (True, 1)])
def test_given_an_unauditable_package_then_it_is_reported_and_fails_only_when_strict(
    monkeypatch, capsys, strict, status
):
    pip_audit_answers(monkeypatch, [CLEAN, UNAUDITABLE])
    assert audit_dependencies.main(["requirements.txt", *(["--strict"] if strict else [])]) == status
    assert "1 audited, 1 not audited" in capsys.readouterr().out


def test_given_audit_strict_in_the_environment_then_strict_is_the_default(monkeypatch):
    monkeypatch.setenv("AUDIT_STRICT", "1")
    pip_audit_answers(monkeypatch, [UNAUDITABLE])
    assert audit_dependencies.main(["requirements.txt"]) == 1


def test_given_pip_audit_crashes_then_the_run_fails_with_its_error(monkeypatch):
    def run(command, **kwargs):
        return subprocess.CompletedProcess(command, 2, stdout="", stderr="boom")

    monkeypatch.setattr(audit_dependencies.subprocess, "run", run)
    with pytest.raises(SystemExit, match="boom"):
        audit_dependencies.main(["requirements.txt"])
