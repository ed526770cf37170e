-- Core results store: ingested files, runs and their rows.
CREATE TABLE IF NOT EXISTS files (
    file_id      VARCHAR NOT NULL,         -- sha256 of the file content (hex)
    name         VARCHAR NOT NULL,         -- original file name
    path         VARCHAR,                  -- original path (inside a folder or zip) as given
    format       VARCHAR NOT NULL,         -- detected format id (see storage/importers)
    size_bytes   BIGINT NOT NULL,
    ingested_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    uploaded_by  VARCHAR
);

CREATE TABLE IF NOT EXISTS runs (
    run_id       INTEGER NOT NULL,         -- storage/ids.py (unique across clients)
    run_key      VARCHAR NOT NULL,         -- identity used to merge files into one run
    model        VARCHAR,                  -- model name as found (field, file name, folder) or given
    model_source VARCHAR,                  -- where `model` came from: field | file name | folder | user | probe
    label        VARCHAR NOT NULL,         -- user-editable display label
    benchmark    VARCHAR NOT NULL,
    harness      VARCHAR NOT NULL,         -- format / harness id
    evaluator    VARCHAR,                  -- judge or scorer if known
    score_scale  VARCHAR NOT NULL,         -- judge_1_10 | binary | pct_0_100 | frac_0_1 | perplexity | bool
    length_unit  VARCHAR,                  -- tokens | words | characters | bucket | words_or_characters
    tokenizer    VARCHAR,                  -- tokenizer that counted `tokens`, if known
    config       JSON,
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS run_files (
    run_id  INTEGER NOT NULL,
    file_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS niah_trials (
    run_id          INTEGER NOT NULL,
    context_length  BIGINT NOT NULL,
    length_unit     VARCHAR NOT NULL,
    depth_percent   DOUBLE NOT NULL,
    score_raw       DOUBLE,
    score           DOUBLE,                -- score_raw normalised to 0..1 by the run's score_scale
    needle          VARCHAR,
    response        VARCHAR,
    trial           INTEGER NOT NULL,      -- repeat index within a (length, depth) cell, 0-based
    version         INTEGER,               -- harness results_version, where the format has one
    source_file     VARCHAR,               -- file name the trial came from
    file_id         VARCHAR,
    extra           JSON
);

CREATE TABLE IF NOT EXISTS task_scores (
    run_id          INTEGER NOT NULL,
    task            VARCHAR NOT NULL,
    length_value    DOUBLE,                -- numeric length (NULL when the score covers all lengths)
    length_label    VARCHAR,               -- bucket label as written by the harness (e.g. 0-4k, 8k)
    metric          VARCHAR NOT NULL,
    scale           VARCHAR NOT NULL,      -- scale of value_raw (see storage/scales.py)
    value_raw       DOUBLE,
    value           DOUBLE,                -- 0..1 where that makes sense; perplexity stays as is
    n_samples       INTEGER,
    file_id         VARCHAR,
    extra           JSON
);

CREATE TABLE IF NOT EXISTS samples (
    run_id          INTEGER NOT NULL,
    task            VARCHAR NOT NULL,
    row_index       INTEGER NOT NULL,      -- row order within the task's source file
    sample_id       VARCHAR,               -- harness id where it has one (not always unique)
    prediction      VARCHAR,
    reference       JSON,                  -- reference answer(s) as written by the harness
    length_value    DOUBLE,
    length_label    VARCHAR,
    score_raw       DOUBLE,                -- per-sample score where the harness defines one
    scale           VARCHAR,               -- scale of score_raw
    score           DOUBLE,
    scorer          VARCHAR,               -- rule that produced score (NULL = from the file)
    file_id         VARCHAR,
    extra           JSON
);
