-- Context traceback results (live probe): one row per run of one method, one row per passage.
CREATE TABLE IF NOT EXISTS traceback_runs (
    traceback_id    INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    model           VARCHAR NOT NULL,      -- model spec or name as picked
    question        VARCHAR NOT NULL,
    answer          VARCHAR NOT NULL,
    answer_source   VARCHAR NOT NULL,      -- generated | given
    context_hash    VARCHAR NOT NULL,      -- sha256 of the passages (compare methods on one context)
    segmentation    VARCHAR NOT NULL,      -- paragraph | sentence | words100 | passages
    method          VARCHAR NOT NULL,      -- tracllm | loo | stc | shapley | denoised_shapley | contextcite | attntrace | captum_*
    k               INTEGER NOT NULL,
    n_passages      INTEGER NOT NULL,
    top_k           JSON NOT NULL,         -- passage indices, best first
    forward_passes  INTEGER NOT NULL,      -- teacher-forced passes run by the method
    seconds         DOUBLE NOT NULL,       -- wall time of the attribution
    config          JSON,                  -- method parameters (TracebackConfig)
    faithfulness    JSON,                  -- removal check (log-probs in nats, survival)
    label           VARCHAR
);

CREATE TABLE IF NOT EXISTS traceback_passages (
    traceback_id    INTEGER NOT NULL,
    passage_index   INTEGER NOT NULL,
    text            VARCHAR NOT NULL,
    score           DOUBLE,                -- NULL: not scored (pruned by TracLLM's search)
    rank            INTEGER                -- 1-based rank among scored passages
);
