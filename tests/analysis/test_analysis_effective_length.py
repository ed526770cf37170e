"""RULER effective length and weighted averages against the NVIDIA/RULER README table."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.effective_length import RULER_THRESHOLD, effective_length, ruler_table, weighted_averages
from analysis.published import RULER_LENGTHS, ruler_readme

README = ruler_readme()
FULL = README.dropna(subset=list(RULER_LENGTHS))
LENGTHS = np.array(list(RULER_LENGTHS.values()), dtype=float)


def test_threshold_is_llama2_7b_at_4k():
    llama2 = README[README["model"] == "Llama2 (7B)"].iloc[0]
    assert llama2["4K"] == RULER_THRESHOLD == 85.6


@pytest.mark.parametrize("model", FULL["model"].tolist())
def test_readme_rows_are_reproduced(model):
    row = FULL[FULL["model"] == model].iloc[0]
    scores = row[list(RULER_LENGTHS)].astype(float).to_numpy()
    # the README's K is 1,024 (its lengths are 4096 ... 131072): our labels write that as Ki
    assert effective_length(LENGTHS, scores).label == row["effective_length"].replace("K", "Ki")
    avg, inc, dec = weighted_averages(LENGTHS, scores)
    # the README rounds both the per-length scores and the averages to 0.1: at most 0.1 apart
    assert avg == pytest.approx(row["avg"], abs=0.1)
    assert inc == pytest.approx(row["wavg_inc"], abs=0.1)
    assert dec == pytest.approx(row["wavg_dec"], abs=0.1)


def test_llama31_8b_by_hand():
    s = [95.5, 93.8, 91.6, 87.4, 84.7, 77.0]
    avg, inc, dec = weighted_averages(LENGTHS, s)
    # (95.5*1 + 93.8*2 + 91.6*3 + 87.4*4 + 84.7*5 + 77.0*6) / 21 = 1793.0 / 21
    assert inc == pytest.approx(1793.0 / 21) and dec == pytest.approx(1917.0 / 21) and avg == pytest.approx(530.0 / 6)
    eff = effective_length(LENGTHS[::-1], s[::-1])  # order does not matter
    assert (eff.length, eff.label) == (32768.0, "32Ki")
    assert effective_length(LENGTHS, s, threshold=90).label == "16Ki"  # user threshold


def test_dip_then_recovery_stops_at_first_failure_and_says_so():
    eff = effective_length([4096, 8192, 16384, 32768], [90, 80, 90, 95])
    assert eff.label == "4Ki" and eff.recovers_at == (16384.0, 32768.0)
    assert effective_length([4096, 8192], [80, 70]).label == "<4Ki" and effective_length([4096, 8192], [80, 70]).length is None


def test_bad_input_is_rejected():
    with pytest.raises(ValueError):
        effective_length([4096, 4096], [90, 90])
    with pytest.raises(ValueError):
        effective_length([], [])


def test_table_ranks_by_wavg_inc():
    rows = []
    for _, r in FULL.iterrows():
        rows += [{"name": r["model"], "length_value": n, "score": r[k]} for k, n in RULER_LENGTHS.items()]
    table = ruler_table(pd.DataFrame(rows))
    assert table["name"].iloc[0] == "Gemini-1.5-pro" and table["name"].iloc[-1] == "LongChat (7B)"
    row = table.set_index("name").loc["Llama3.1 (8B)"]
    assert row["effective length"] == "32Ki" and row["4Ki"] == 95.5 and row["lengths tested"] == 6
