"""Generic code names no system: it finds systems through the registry (storesync.systems), never by name.

Prose may name a system as an example (comments, docstrings); code may not (an identifier, a string, a path).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from storesync.systems import INSTALLED

ROOT = Path(__file__).resolve().parents[3]
PLUGINS = ROOT / "plugins" / "storesync"
NAMES = re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, INSTALLED)) + r")(?![a-z0-9])", re.I)


def generic_modules() -> list[Path]:
    modules = [path for path in sorted(PLUGINS.rglob("*.py")) if (PLUGINS / "systems") not in path.parents]
    return [*modules, ROOT / "include" / "sandbox" / "runtime.py"]


def docstring_lines(source: str) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def system_names_in_code(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line: token`` for each code token (not a comment or docstring) naming an installed system."""
    source = path.read_text(encoding="utf-8")
    prose = docstring_lines(source)
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE) or token.start[0] in prose:
            continue
        if NAMES.search(token.string):
            found.append(f"{path.relative_to(root)}:{token.start[0]}: {token.string}")
    return found


# Known and not yet done (issue #13 item 2): the sandbox runtime still starts each emulator by name. Strict: the
# mark fails as soon as the file is clean, so it is taken off then.
NOT_YET_GENERIC = {"include/sandbox/runtime.py"}


@pytest.mark.parametrize("path", [
    pytest.param(path, id=str(path.relative_to(ROOT)), marks=[pytest.mark.xfail(
        strict=True, reason="the sandbox runtime still starts each emulator by name (issue #13 item 2)")]
        if str(path.relative_to(ROOT)) in NOT_YET_GENERIC else [])
    for path in generic_modules()])
def test_a_generic_module_names_no_installed_system_in_its_code(path):
    found = system_names_in_code(path)
    assert not found, "generic code names a system (look it up in storesync.systems instead):\n" + "\n".join(found)


def test_the_scan_finds_a_system_named_in_code_but_not_in_prose(tmp_path):
    module = tmp_path / "plugins" / "storesync" / "sample.py"
    module.parent.mkdir(parents=True)
    module.write_text(f'"""Reads {INSTALLED[0]} orders."""\n# like {INSTALLED[0]}\nSYSTEM = "{INSTALLED[0]}"\n',
                      encoding="utf-8")
    found = [line.split(": ", 1)[0] for line in system_names_in_code(module, tmp_path)]
    assert found == ["plugins/storesync/sample.py:3"]

