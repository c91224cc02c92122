"""The README's finance section shows the registry's own columns and categories, so they cannot drift apart."""

from __future__ import annotations

from storesync.config.pairs import PROJECT_ROOT
from storesync.reconciliation.model import CATEGORIES, categories_markdown, columns_markdown

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## For finance: the daily reconciliation", 1)[-1].split("\n## ", 1)[0]


def test_the_finance_section_exists_and_names_the_dag_and_the_files():
    assert "## For finance: the daily reconciliation" in README
    assert "reconciliation__xcart__sage500" in SECTION and ".xlsx" in SECTION and ".csv" in SECTION


def test_the_column_table_is_the_registrys():
    assert columns_markdown() in SECTION


def test_the_category_table_is_the_registrys_with_how_to_act_for_each():
    assert categories_markdown() in SECTION
    for category in CATEGORIES.values():
        assert f"| {category.label} | `{category.code}` |" in SECTION and category.action in SECTION
