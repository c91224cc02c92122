"""Which ERP shipments the storefront cares about: those of sales orders carrying the storefront reference."""

from __future__ import annotations

from storesync.adapters.shipment_scope import is_storefront_reference, not_from_storefront


def test_a_storefront_reference_starts_with_the_pair_prefix_whatever_its_case():
    assert is_storefront_reference(" xc-17", {}) and is_storefront_reference("WEB-17", {"storefront_reference_prefix": "WEB-"})
    assert not is_storefront_reference("AMZ-9", {}) and not is_storefront_reference(None, {})


def test_the_skip_reason_names_the_shipment_the_order_and_the_field_that_holds_the_reference():
    assert not_from_storefront("4", "SO0001", "CustomerOrder", "XC-4", {}) is None
    assert not_from_storefront("4", "SO0001", "CustomerOrder", "AMZ-9", {}) == (
        "shipment 4: sales order SO0001 did not come from the storefront (CustomerOrder 'AMZ-9', no XC- reference); "
        "nothing to update on the storefront")
    assert "(UserFld1 empty, no XC- reference)" in not_from_storefront("5", "0000700001", "UserFld1", " ", {})
