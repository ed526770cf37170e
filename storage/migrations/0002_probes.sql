-- Live probes: retrieval-head detection, masking checks, and NIAH sweeps run inside LongScope.
CREATE TABLE IF NOT EXISTS probe_runs (
    probe_id          INTEGER NOT NULL,
    kind              VARCHAR NOT NULL,      -- retrieval_heads | masking | niah_sweep
    created_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    label             VARCHAR NOT NULL,
    model             VARCHAR NOT NULL,      -- model spec as picked (smollm2, a folder, a hub id)
    model_name        VARCHAR,
    n_layers          INTEGER,
    n_heads           INTEGER,               -- query heads per layer
    n_kv_heads        INTEGER,
    context_limit     INTEGER,               -- tokens (model's own tokenizer)
    device            VARCHAR,
    dtype             VARCHAR,
    n_used            INTEGER,               -- retrieval heads: samples answered correctly (scored)
    n_dropped         INTEGER,               -- retrieval heads: samples dropped (model failed)
    source_probe_id   INTEGER,               -- masking: the detection run whose heads were masked
    niah_run_id       INTEGER,               -- niah_sweep: the run in `runs` holding its trials
    longscope_version VARCHAR,
    config            JSON
);

CREATE TABLE IF NOT EXISTS probe_head_scores (
    probe_id  INTEGER NOT NULL,
    layer     INTEGER NOT NULL,              -- 0-based
    head      INTEGER NOT NULL,              -- 0-based query-head index
    score     DOUBLE NOT NULL,               -- retrieval score (Wu et al. 2024), mean over samples used
    hits      INTEGER NOT NULL,              -- distinct answer tokens copied, summed over samples used
    samples   INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS probe_trials (
    probe_id        INTEGER NOT NULL,
    condition       VARCHAR NOT NULL,        -- detection | none | top-k | random
    draw            INTEGER NOT NULL,        -- random draw index (0 otherwise)
    context_length  BIGINT NOT NULL,
    depth_percent   DOUBLE NOT NULL,
    needle          VARCHAR,
    trial           INTEGER NOT NULL,
    exact           INTEGER,                 -- 0/1 exact answer match
    recall          DOUBLE,                  -- answer-word recall in [0, 1]
    used            BOOLEAN,                 -- detection: sample kept for scoring
    response        VARCHAR,
    extra           JSON
);

CREATE TABLE IF NOT EXISTS probe_masked_heads (
    probe_id   INTEGER NOT NULL,
    condition  VARCHAR NOT NULL,             -- top-k | random
    draw       INTEGER NOT NULL,
    layer      INTEGER NOT NULL,
    head       INTEGER NOT NULL
);
