-- The journal's schema version 1, as vigil-engine wrote it before snapshots (taken verbatim
-- from alarms/service/journal_schema.cc at that version), for the migration test.
CREATE TABLE journal_schema (
  version     INTEGER NOT NULL,
  application TEXT NOT NULL,
  created_ms  INTEGER NOT NULL
);

-- One row per engine start: replay is exact only under the same protocol, so a restart
-- under another one is told loudly.
CREATE TABLE sessions (
  id               INTEGER PRIMARY KEY,
  epoch            INTEGER NOT NULL,
  started_ms       INTEGER NOT NULL,
  clock_mode       TEXT NOT NULL,
  protocol_name    TEXT NOT NULL,
  protocol_version TEXT NOT NULL,
  protocol_digest  TEXT NOT NULL,
  recovered_rows   INTEGER NOT NULL
);

-- What the engine applied, in order: replaying these into a fresh core rebuilds its state.
CREATE TABLE inputs (
  seq             INTEGER PRIMARY KEY,  -- apply order
  kind            TEXT NOT NULL CHECK (kind IN ('ingest', 'control', 'tick')),
  engine_time_ms  INTEGER NOT NULL,     -- the core's time before applying (tick: the time advanced to)
  receive_time_ms INTEGER NOT NULL,     -- the service clock when it arrived
  epoch           INTEGER NOT NULL,     -- the engine run that applied it
  topic           TEXT,                 -- ingest: the ZeroMQ topic
  payload         BLOB,                 -- ingest: protobuf payload; control: ControlRequest
  identity        TEXT                  -- control: the station identity the service used
);

-- IEC 60601-1-8 6.12: every alarm transition with its limit in force and trigger value.
CREATE TABLE alarm_log (
  id                   INTEGER PRIMARY KEY,
  epoch                INTEGER NOT NULL,
  alert_id             TEXT NOT NULL,
  patient_id           TEXT NOT NULL,
  unit                 TEXT NOT NULL,
  condition            TEXT NOT NULL,
  title                TEXT,
  kind                 TEXT,
  phase                TEXT NOT NULL,
  state                TEXT NOT NULL,
  inactivation         TEXT NOT NULL,
  priority             TEXT NOT NULL,
  event_time_ms        INTEGER NOT NULL,
  start_time_ms        INTEGER NOT NULL,
  metric               TEXT,
  trigger_value        REAL,
  trigger_unit         TEXT,
  limit_text           TEXT,
  limit_value          REAL,
  baseline             REAL,
  advice               TEXT,
  advice_target_mg_per_kg_per_h REAL,
  advice_target_ml_per_h        REAL,
  advice_reason        TEXT,
  dose_rate_mg_per_kg_per_h     REAL,
  cp_ug_per_ml         REAL,
  ce_ug_per_ml         REAL,
  dose_related         INTEGER,
  attribution          TEXT,
  acknowledged_by      TEXT,
  acknowledged_time_ms INTEGER
);
CREATE INDEX alarm_log_by_patient ON alarm_log (patient_id, event_time_ms);
CREATE INDEX alarm_log_by_alert ON alarm_log (alert_id);

CREATE TABLE acknowledgements (
  id         INTEGER PRIMARY KEY,
  alert_id   TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  unit       TEXT NOT NULL,
  station    TEXT NOT NULL,
  time_ms    INTEGER NOT NULL
);
CREATE INDEX acknowledgements_by_patient ON acknowledgements (patient_id, time_ms);

CREATE TABLE advice_log (
  id                    INTEGER PRIMARY KEY,
  advice_id             TEXT NOT NULL,
  patient_id            TEXT NOT NULL,
  unit                  TEXT NOT NULL,
  event_time_ms         INTEGER NOT NULL,
  action                TEXT NOT NULL,
  previous_action       TEXT NOT NULL,
  target_mg_per_kg_per_h REAL,
  target_ml_per_h       REAL,
  reason                TEXT,
  condition             TEXT,
  alert_id              TEXT,
  metric                TEXT,
  trigger_value         REAL,
  limit_text            TEXT,
  dose_rate_mg_per_kg_per_h REAL,
  cp_ug_per_ml          REAL,
  ce_ug_per_ml          REAL
);
CREATE INDEX advice_log_by_patient ON advice_log (patient_id, event_time_ms);

-- Only changes of rate, drug or state: a pump reporting every few seconds is not news.
CREATE TABLE pump_log (
  id                        INTEGER PRIMARY KEY,
  patient_id                TEXT NOT NULL,
  unit                      TEXT NOT NULL,
  device_id                 TEXT,
  time_ms                   INTEGER NOT NULL,
  drug                      TEXT,
  state                     TEXT NOT NULL,
  rate_ml_per_h             REAL,
  dose_rate_mg_per_kg_per_h REAL,
  concentration_mg_per_ml   REAL,
  weight_kg                 REAL,
  volume_infused_ml         REAL
);
CREATE INDEX pump_log_by_patient ON pump_log (patient_id, time_ms);

INSERT INTO journal_schema (version, application, created_ms) VALUES (1, 'vigil-engine journal', 1700000000000);
