"""pip-audit over every pinned requirements file; fails on any known vulnerability.

    python scripts/audit_dependencies.py [--strict] FILE...

pip-audit asks PyPI's per-release JSON API for each pinned package's advisories. Where that API cannot be
reached (a machine whose only way out is a package mirror), pip-audit skips the package rather than fail; this
wrapper counts what was and was not audited and says so. With --strict (or AUDIT_STRICT=1, which the CodeBuild
build sets), a package that could not be audited fails the run too, so the pipeline can never pass unaudited.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def audit(requirements: Path) -> tuple[list[str], list[str], list[str]]:
    """Audited packages, skipped packages (with why) and vulnerabilities found, for one requirements file."""
    result = subprocess.run(
        [
            str(PIP_AUDIT),
            "--disable-pip",
            "--no-deps",
            "--progress-spinner",
            "off",
            "-f",
            "json",
            "-r",
            str(requirements),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"pip-audit failed on {requirements}:\n{result.stderr}") from None
    audited, skipped, vulnerable = [], [], []
    for dependency in report["dependencies"]:
        if "skip_reason" in dependency:
            skipped.append(f"{dependency['name']}: {dependency['skip_reason']}")
            continue
        audited.append(dependency["name"])
        for vulnerability in dependency.get("vulns", []):
            fixes = ", ".join(vulnerability.get("fix_versions", [])) or "no fix yet"
            vulnerable.append(f"{dependency['name']} {dependency['version']}: {vulnerability['id']} (fixed in {fixes})")
    return audited, skipped, vulnerable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("requirements", nargs="+", type=Path)
    parser.add_argument("--strict", action="store_true", default=os.environ.get("AUDIT_STRICT") == "1")
    args = parser.parse_args(argv)
    failed = False
    for requirements in args.requirements:
        audited, skipped, vulnerable = audit(requirements)
        print(f"{requirements}: {len(audited)} audited, {len(skipped)} not audited, {len(vulnerable)} vulnerable")
        for line in vulnerable:
            print(f"  VULNERABLE {line}")
        if skipped:
            print(f"  not audited (vulnerability data unreachable?), e.g. {skipped[0]}")
        failed |= bool(vulnerable) or (args.strict and bool(skipped))
    if failed:
        print("dependency audit failed" + (" (strict: every package must be audited)" if args.strict else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
