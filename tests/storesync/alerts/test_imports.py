"""The alerts and the pair config import in any order: each alone in a fresh interpreter, and no import cycle.

The config validates alert channels against ``storesync.config.alert_channels`` (declarations, no import of
the alerts); the alerts read the config. The cycle check counts imports inside functions too: a lazy import
only hides a cycle until the first call in an unlucky order.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys

from tests.conftest import ROOT

PLUGINS = ROOT / "plugins"
MODULES = ("storesync.config.pairs", "storesync.config.alert_channels", "storesync.alerts",
           "storesync.alerts.messages", "storesync.alerts.dedup", "storesync.alerts.grouping",
           "storesync.alerts.delivery", "storesync.alerts.smtp", "storesync.alerts.send",
           "storesync.alerts.callback", "storesync.notifiers")
CHECKED = ("storesync.config", "storesync.alerts", "storesync.notifiers")

# Each module first, in one interpreter that has never imported anything of ours before (Airflow may stay).
IMPORT_EACH_FIRST = """
import importlib, sys
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "storesync" or m.startswith("storesync.")]:
        del sys.modules[loaded]
    importlib.import_module(name)
    print("ok", name)
"""


def test_each_module_imports_alone_first():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(PLUGINS)])}
    done = subprocess.run([sys.executable, "-c", IMPORT_EACH_FIRST, *MODULES], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [word for name in MODULES for word in ("ok", name)]


def module_names() -> dict[str, tuple]:
    names = {}
    for path in (PLUGINS / "storesync").rglob("*.py"):
        parts = list(path.relative_to(PLUGINS).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        names[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return names


def import_graph() -> dict[str, set[str]]:
    """``{module: modules it imports}`` for every module of ``storesync``, imports inside functions included.

    Importing ``a.b.c`` imports ``a`` and ``a.b`` too; a module's own parent packages are already imported.
    """
    names = module_names()
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in names.items():
        package = name if is_package else name.rpartition(".")[0]
        ancestors = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets.add(module)
                targets.update(f"{module}.{alias.name}" for alias in node.names)
        imported = set()
        for target in targets:
            parts = target.split(".")
            imported.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        graph[name] = {m for m in imported if m in names and m != name and m not in ancestors}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_through_the_config_or_the_alerts():
    involved = [c for c in cycles(import_graph()) if any(m.startswith(CHECKED) for m in c)]
    assert involved == []


def test_the_config_imports_nothing_of_the_alerts():
    graph = import_graph()
    for name, imported in graph.items():
        if name.startswith("storesync.config"):
            assert not {m for m in imported if m.startswith(("storesync.alerts", "storesync.notifiers"))}, name


def test_the_cycle_check_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
