"""Daily reconciliation for finance: storefront orders, payments and refunds against ERP sales orders, cash
receipts and credit memos, one line per document pair, every difference named.

- :mod:`.model`: documents, lines, the closed category registry, the output columns;
- :mod:`.match`: the pure matching (documents of a day → lines);
- :mod:`.readers`: reads the day's documents through the adapters' ``RECONCILE`` tables;
- :mod:`.summary`: totals by currency, payment method and account, counts per category, matched share;
- :mod:`.outputs`: the day's CSV and XLSX workbook, written through ``ObjectStoragePath``;
- :mod:`.service`: one day end to end (read, match, store, publish);
- :mod:`.dag`: the ``reconciliation__<storefront>__<erp>`` DAG per pair with a ``reconciliation:`` section.
"""
