"""The one rule of the house: the core never imports an adapter or a platform SDK."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from handlers.registry import adapter_specs
from tests.conftest import PROJECT_ROOT

FORBIDDEN = ("handlers", "slack_bolt", "slack_sdk", "discord")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_no_adapter_or_platform_sdk() -> None:
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): sorted(_imports(path) & set(FORBIDDEN))
        for path in (PROJECT_ROOT / "bot").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_registered_adapter_has_its_folder_and_a_loopback_fake() -> None:
    for spec in adapter_specs():
        assert (PROJECT_ROOT / "handlers" / spec.name / "adapter.py").exists(), spec.name
        assert (PROJECT_ROOT / "tests" / "fakes" / f"{spec.name}_api.py").exists(), spec.name
        assert any(s.name.endswith("_API_URL") for s in spec.settings), f"{spec.name} has no API URL setting"


def test_adapters_never_import_each_other() -> None:
    adapters = {spec.name for spec in adapter_specs()} | {"console"}
    for path in (PROJECT_ROOT / "handlers").rglob("*.py"):
        relative = path.relative_to(PROJECT_ROOT / "handlers").with_suffix("")
        own = relative.parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("handlers."):
                other = node.module.split(".")[1]
                if own in adapters and other in adapters:
                    assert other == own, f"{path.name} imports adapter {other}"


def test_ask_does_not_load_opencv_or_platform_sdks() -> None:
    code = (
        "import sys; from handlers.cli import main; main(['ask', 'how often should I update my headshot?']);"
        "print(sorted(m for m in ('cv2', 'discord', 'slack_bolt', 'sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
