"""CI's dependency audit (tools/audit_deps.py): floors that admit a known advisory are refused."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("audit_deps", ROOT / "tools" / "audit_deps.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def test_a_floor_below_a_fix_is_refused_and_names_the_advisory():
    problems = audit.floor_problems("waitress>=3.0,<4\nrequests>=2.32.4,<3  # fine\n-r other.txt\n", "req.txt")
    assert problems == ["req.txt: waitress>=3.0 admits CVE-2024-49768 (fixed in 3.0.1)",
                        "req.txt: waitress>=3.0 admits CVE-2024-49769 (fixed in 3.0.1)"]


def test_the_projects_floors_and_installed_packages_pass():
    for name in audit.REQUIREMENTS:
        assert audit.floor_problems((ROOT / name).read_text(), name) == []
    assert audit.installed_problems() == []
