"""Pure computations over DataFrames (pivots, aggregates, statistics). Never imports streamlit."""
