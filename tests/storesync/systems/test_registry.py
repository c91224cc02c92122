"""The registry: one list of installed systems, declarations read without importing any hook or client."""

from __future__ import annotations

import subprocess
import sys

import pytest

from storesync.systems import INSTALLED, UnknownSystem, mapping_file, names, suite_file, system


def test_an_unknown_system_fails_listing_the_installed_ones():
    with pytest.raises(UnknownSystem) as raised:
        system("magento")
    assert str(raised.value) == f"unknown system 'magento'; valid: {', '.join(sorted(INSTALLED))}"


def test_systems_are_listed_by_the_side_they_stand_on():
    assert set(names("storefront")) | set(names("erp")) == set(INSTALLED)
    assert not set(names("storefront")) & set(names("erp"))


def test_reading_every_declaration_imports_no_hook_client_or_pandas():
    code = ("import sys; from storesync.systems import systems; systems(); "
            "print(sorted(m for m in sys.modules if m.endswith(('.hook', '.adapter', '.wire')) "
            "or m in ('pandas', 'requests', 'pyodbc', 'airflow')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_mapping_spec_and_a_suite_are_found_in_the_named_systems_folder():
    name = INSTALLED[0]
    assert mapping_file(f"{name}/any.yaml") == system(name).folder / "mappings" / "any.yaml"
    assert suite_file(f"any_raw__{name}.json") == system(name).folder / "expectations" / f"any_raw__{name}.json"


@pytest.mark.parametrize("bad", ["any.yaml", "no_system.json", "__.json"])
def test_a_name_without_its_system_is_refused(bad):
    locate = mapping_file if bad.endswith(".yaml") else suite_file
    with pytest.raises(ValueError, match=repr(bad)):
        locate(bad)
