-- Published numbers entered by hand or read from a README / leaderboard table (kept across sessions).
CREATE TABLE IF NOT EXISTS published_numbers (
    published_id  INTEGER NOT NULL,
    benchmark     VARCHAR NOT NULL,          -- benchmark id, lower case (ruler, helmet, nolima, ...)
    model         VARCHAR NOT NULL,          -- model name as published
    aliases       VARCHAR,                   -- other names it matches, ';'-separated
    setting       VARCHAR,                   -- e.g. 'w/ CoT', '+ dynamic_ntk' (NULL = the plain model)
    task          VARCHAR,                   -- NULL for an aggregate over `tasks`
    tasks         VARCHAR,                   -- member tasks of an aggregate, ';'-separated
    length_label  VARCHAR,                   -- '4K', '32768', a bucket label; NULL = all lengths
    length_value  DOUBLE,                    -- tokens, when the label is a length
    value         DOUBLE NOT NULL,           -- as published
    scale         VARCHAR NOT NULL,          -- pct_0_100 | perplexity | ... (storage/scales.py)
    source        VARCHAR NOT NULL,          -- repository + file, page address, or 'entered by the user'
    note          VARCHAR,
    origin        VARCHAR NOT NULL,          -- 'entered' (typed in) | 'table' (read from a table)
    entered_by    VARCHAR,
    entered_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
