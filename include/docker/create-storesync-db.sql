CREATE DATABASE storesync OWNER airflow;
