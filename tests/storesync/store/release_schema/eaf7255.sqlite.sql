-- The sync store as the last release before migrations created it on sqlite (main at eaf7255, 2026-11-24):
-- CreateTable/CreateIndex of that commit's plugins/storesync/store/schema.py compiled for sqlite. Never edit:
-- tests/storesync/store/test_migrations.py upgrades a store built from it.

CREATE TABLE dlq (
	id INTEGER NOT NULL, 
	pair VARCHAR(64) NOT NULL, 
	flow VARCHAR(64) NOT NULL, 
	entity VARCHAR(64) NOT NULL, 
	record_key VARCHAR(255) NOT NULL, 
	stage VARCHAR(32) NOT NULL, 
	reason_code VARCHAR(64) NOT NULL, 
	reason TEXT NOT NULL, 
	failed_expectations JSON, 
	payload JSON, 
	dag_id VARCHAR(250), 
	run_id VARCHAR(250), 
	first_run_id VARCHAR(250), 
	attempts INTEGER NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	state_changed_by VARCHAR(255), 
	state_changed_at DATETIME, 
	state_note TEXT, 
	CONSTRAINT pk_dlq PRIMARY KEY (id)
);

CREATE INDEX ix_dlq_pair_flow_run_id ON dlq (pair, flow, run_id);

CREATE INDEX ix_dlq_pair_flow_state_updated_at ON dlq (pair, flow, state, updated_at);

CREATE UNIQUE INDEX uq_dlq_active_record ON dlq (pair, flow, record_key) WHERE state IN ('open', 'held');

CREATE TABLE pushed_state (
	pair VARCHAR(64) NOT NULL, 
	entity VARCHAR(64) NOT NULL, 
	record_key VARCHAR(255) NOT NULL, 
	fingerprint VARCHAR(64) NOT NULL, 
	run_id VARCHAR(250), 
	pushed_at DATETIME NOT NULL, 
	CONSTRAINT pk_pushed_state PRIMARY KEY (pair, entity, record_key)
);

CREATE TABLE recon_line (
	pair VARCHAR(64) NOT NULL, 
	day DATE NOT NULL, 
	line_no INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	status VARCHAR(40) NOT NULL, 
	line_key VARCHAR(255) NOT NULL, 
	reason TEXT NOT NULL, 
	store_order_id VARCHAR(255), 
	store_document_id VARCHAR(255), 
	erp_document_id VARCHAR(255), 
	erp_sales_order_id VARCHAR(255), 
	store_date DATE, 
	erp_date DATE, 
	currency VARCHAR(32), 
	erp_currency VARCHAR(32), 
	store_total VARCHAR(24), 
	erp_total VARCHAR(24), 
	store_paid VARCHAR(24), 
	erp_received VARCHAR(24), 
	store_refunded VARCHAR(24), 
	erp_credited VARCHAR(24), 
	difference VARCHAR(24), 
	payment_method VARCHAR(255), 
	account VARCHAR(255), 
	pending_since DATE, 
	CONSTRAINT pk_recon_line PRIMARY KEY (pair, day, line_no)
);

CREATE INDEX ix_recon_line_pair_line_key_day ON recon_line (pair, line_key, day);

CREATE INDEX ix_recon_line_pair_status_day ON recon_line (pair, status, day);

CREATE TABLE recon_run (
	pair VARCHAR(64) NOT NULL, 
	day DATE NOT NULL, 
	dag_id VARCHAR(250), 
	run_id VARCHAR(250), 
	lines INTEGER NOT NULL, 
	exceptions INTEGER NOT NULL, 
	counts JSON, 
	files JSON, 
	reconciled_at DATETIME NOT NULL, 
	published_at DATETIME, 
	CONSTRAINT pk_recon_run PRIMARY KEY (pair, day)
);

CREATE TABLE record_outcome (
	pair VARCHAR(64) NOT NULL, 
	flow VARCHAR(64) NOT NULL, 
	run_id VARCHAR(250) NOT NULL, 
	record_key VARCHAR(255) NOT NULL, 
	outcome VARCHAR(16) NOT NULL, 
	detail TEXT, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_record_outcome PRIMARY KEY (pair, flow, run_id, record_key)
);

CREATE TABLE staged_record (
	pair VARCHAR(64) NOT NULL, 
	flow VARCHAR(64) NOT NULL, 
	run_id VARCHAR(250) NOT NULL, 
	stage VARCHAR(16) NOT NULL, 
	record_key VARCHAR(255) NOT NULL, 
	payload JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_staged_record PRIMARY KEY (pair, flow, run_id, stage, record_key)
);

CREATE TABLE sync_run (
	id INTEGER NOT NULL, 
	pair VARCHAR(64) NOT NULL, 
	flow VARCHAR(64) NOT NULL, 
	dag_id VARCHAR(250), 
	run_id VARCHAR(250) NOT NULL, 
	interval_start DATETIME, 
	interval_end DATETIME, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	counts JSON, 
	CONSTRAINT pk_sync_run PRIMARY KEY (id), 
	CONSTRAINT uq_sync_run_pair_flow_run_id UNIQUE (pair, flow, run_id)
);

CREATE INDEX ix_sync_run_pair_flow_started_at ON sync_run (pair, flow, started_at);

CREATE TABLE xref (
	id INTEGER NOT NULL, 
	pair VARCHAR(64) NOT NULL, 
	entity VARCHAR(64) NOT NULL, 
	source_id VARCHAR(255) NOT NULL, 
	target_id VARCHAR(255) NOT NULL, 
	target_ref VARCHAR(255), 
	run_id VARCHAR(250), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_xref PRIMARY KEY (id), 
	CONSTRAINT uq_xref_pair_entity_source_id UNIQUE (pair, entity, source_id)
);

CREATE INDEX ix_xref_pair_entity_target_id ON xref (pair, entity, target_id);
