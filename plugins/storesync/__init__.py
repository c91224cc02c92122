"""Integration library for storefront <-> ERP sync on Apache Airflow."""
