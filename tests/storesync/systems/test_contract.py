"""Every installed system keeps the contract generic code relies on (issue #13 item 7).

For each registered system: its declaration is well-formed, its adapter's tables cover the flows the shipped
pairs use it for, the mapping specs and suites those flows name load, every flow side it stands on has a quality
frame, and its folder has a README.
"""

from __future__ import annotations

import sys

import pytest

from storesync.config.pairs import INCLUDE_DIR, load_pairs
from storesync.flows import FLOWS
from storesync.mapping.spec import load_spec
from storesync.quality.suites import load_suite
from storesync.systems import INSTALLED, mapping_file, resolve, suite_file, system

PAIRS = load_pairs(str(INCLUDE_DIR / "pairs"))


def uses(name: str):
    """(pair, flow name, flow config, side) for every flow of a shipped pair in which ``name`` takes part."""
    for pair in PAIRS:
        for flow_name, flow in pair.flows.items():
            spec = FLOWS[flow_name]
            for side in {spec.source, spec.target}:
                if pair.endpoint(side).system == name:
                    yield pair, flow_name, flow, "source" if side == spec.source else "target"


@pytest.fixture(params=INSTALLED)
def name(request):
    return request.param


def test_the_declaration_names_its_own_folder_and_connection_type(name):
    spec = system(name)
    assert spec.name == name and spec.folder.name == name
    assert spec.connection.conn_type == name


def test_the_adapter_and_connection_form_resolve(name):
    import importlib

    spec = system(name)
    assert resolve(spec.adapter).__name__ == spec.adapter.split(":")[1]
    form = importlib.import_module(spec.connection.form)
    assert form.CONNECTION_FIELDS and set(form.UI_FIELD_BEHAVIOUR) == {"hidden_fields", "relabeling", "placeholders"}


def adapter_tables(adapter) -> tuple[set[str], set[str]]:
    """(entities it extracts, entities it loads): a RegistryAdapter's tables, or the module tables an adapter
    written by hand (X-Cart's) dispatches on (``ID_FIELDS`` for reads, ``LOADS``)."""
    module = sys.modules[adapter.__module__]
    extracts = getattr(adapter, "EXTRACTS", None) or getattr(module, "ID_FIELDS")
    loads = getattr(adapter, "LOADS", None) or getattr(module, "LOADS")
    return set(extracts) | set(getattr(adapter, "EXTRACT_KEYS", {})), set(loads)


def test_the_adapter_tables_cover_the_flows_its_pairs_use(name):
    extracts, loads = adapter_tables(resolve(system(name).adapter))
    missing = [f"{pair.name}/{flow_name}: {role} {FLOWS[flow_name].entity}"
               for pair, flow_name, _flow, role in uses(name)
               if FLOWS[flow_name].entity not in (extracts if role == "source" else loads)]
    assert not missing


def test_the_specs_and_suites_its_pairs_name_load(name):
    checked = 0
    for _pair, _flow_name, flow, role in uses(name):
        mapping = flow.mappings["to_canonical" if role == "source" else "to_target"]
        suite = flow.expectations["raw" if role == "source" else "target"]
        assert mapping.startswith(f"{name}/") and suite.endswith(f"__{name}.json")
        assert mapping_file(mapping).parent == system(name).mappings_dir
        assert suite_file(suite).parent == system(name).expectations_dir
        load_spec(mapping_file(mapping))
        load_suite(suite_file(suite))
        checked += 1
    assert checked, f"no shipped pair uses {name}"


def test_each_flow_side_it_stands_on_has_a_quality_frame(name):
    frames = system(name).quality.frames
    missing = sorted({f"{FLOWS[flow].entity}/{'raw' if role == 'source' else 'target'}"
                      for _pair, flow, _config, role in uses(name)}
                     - {f"{entity}/{stage}" for entity, stage in frames})
    assert not missing
    for reference in frames.values():
        assert callable(resolve(reference))


def test_its_folder_has_a_readme(name):
    assert system(name).readme.is_file()
