# Airflow image for docker-compose.yaml: the official image plus ODBC drivers and our pinned dependencies.
FROM apache/airflow:3.3.2-python3.11
USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends unixodbc libsqliteodbc odbc-postgresql \
 && rm -rf /var/lib/apt/lists/*
USER airflow
COPY requirements.lock /requirements.lock
RUN pip install --no-cache-dir -r /requirements.lock
COPY --chown=airflow:root pyproject.toml /opt/storesync/pyproject.toml
COPY --chown=airflow:root plugins /opt/storesync/plugins
RUN pip install --no-cache-dir --no-deps -e /opt/storesync
