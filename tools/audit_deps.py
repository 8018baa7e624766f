"""CI's dependency audit: pip-audit where the registry can answer, and known advisories everywhere.

    python tools/audit_deps.py            # exit 1 when any installed package or any floor is vulnerable

Two checks, because neither alone works with every registry:

1. `pip-audit -s pypi` over requirements-dev.txt. It asks PyPI's per-release JSON for known
   vulnerabilities. A registry mirror without those pages answers 404, and pip-audit then *skips*
   the package (it does not fail): the report says how many it could really audit.
2. ADVISORIES below, checked offline: every installed distribution must be at or past each fixed
   version, and every floor in requirements*.txt must exclude the vulnerable releases, so a fresh
   install can never pick one. Add a line when an advisory is published for anything we install.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")

# package -> [(advisory, first fixed version)]: our direct dependencies and the web stack under them.
ADVISORIES: dict[str, list[tuple[str, str]]] = {
    "waitress": [("CVE-2024-49768", "3.0.1"), ("CVE-2024-49769", "3.0.1")],
    "requests": [("CVE-2024-35195", "2.32.0"), ("CVE-2024-47081", "2.32.4")],
    "flask": [("CVE-2023-30861", "2.3.2"), ("CVE-2025-47278", "3.1.1")],
    "werkzeug": [("CVE-2024-49767", "3.0.6"), ("CVE-2025-66221", "3.1.4")],
    "jinja2": [("CVE-2024-56326", "3.1.5"), ("CVE-2025-27516", "3.1.6")],
    "urllib3": [("CVE-2025-50181", "2.5.0"), ("CVE-2025-50182", "2.5.0")],
    "filelock": [("CVE-2025-68146", "3.20.1")],
    "pillow": [("CVE-2024-28219", "10.3.0"), ("CVE-2025-48379", "11.3.0")],
    "cryptography": [("CVE-2024-12797", "44.0.1")],
    "pyyaml": [("CVE-2020-14343", "5.4")],
}


def canonical(name: str) -> str:
    """PyPI's normalised name (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def floors(text: str) -> dict[str, Version]:
    """Each requirement's lowest admitted version, from a requirements file's text (`>=` and `==`)."""
    found: dict[str, Version] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        for spec in requirement.specifier:
            if spec.operator in (">=", "==", "~="):
                found[canonical(requirement.name)] = Version(spec.version.rstrip(".*"))
    return found


def floor_problems(text: str, source: str) -> list[str]:
    """Floors that still admit a release with a known advisory (an unbounded floor counts as 0)."""
    problems = []
    for name, floor in floors(text).items():
        for advisory, fixed in ADVISORIES.get(name, []):
            if floor < Version(fixed):
                problems.append(f"{source}: {name}>={floor} admits {advisory} (fixed in {fixed})")
    return problems


def installed_problems() -> list[str]:
    """Installed distributions older than an advisory's fix."""
    problems = []
    for name, advisories in ADVISORIES.items():
        try:
            version = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            continue
        problems += [f"installed {name} {version} has {advisory} (fixed in {fixed})"
                     for advisory, fixed in advisories if version < Version(fixed)]
    return problems


def pip_audit() -> tuple[list[str], int, int]:
    """pip-audit's findings over requirements-dev.txt: (problems, audited, skipped)."""
    run = subprocess.run([sys.executable, "-m", "pip_audit", "-s", "pypi", "-r", str(ROOT / "requirements-dev.txt"),
                          "-f", "json", "--progress-spinner", "off"], capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        return [f"pip-audit did not run: {run.stderr.strip().splitlines()[-1:] or run.returncode}"], 0, 0
    dependencies = report.get("dependencies", [])
    skipped = sum(1 for d in dependencies if d.get("skip_reason"))
    problems = [f"pip-audit: {d['name']} {d.get('version', '')} has {v['id']} (fixed in {', '.join(v.get('fix_versions', [])) or '?'})"
                for d in dependencies for v in d.get("vulns", [])]
    return problems, len(dependencies) - skipped, skipped


def main() -> int:
    problems, audited, skipped = pip_audit()
    for source in REQUIREMENTS:
        problems += floor_problems((ROOT / source).read_text(), source)
    problems += installed_problems()
    print(f"pip-audit: {audited} packages audited against PyPI, {skipped} skipped (the registry has no "
          f"per-release data for them); {len(ADVISORIES)} packages checked against the advisories in this file.")
    for problem in problems:
        print("VULNERABLE:", problem)
    print("dependency audit:", "FAILED" if problems else "ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
