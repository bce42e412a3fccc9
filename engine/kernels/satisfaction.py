"""Satisfaction scores along journeys (CSAT, NPS, sentiment): the lowest per case and stage."""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def lowest_score_per_case_and_group(score, group, offsets, n_groups):
    """Per case and group (stage or touchpoint), the lowest score given (NaN: none)."""
    n_cases = offsets.shape[0] - 1
    out = np.full((n_cases, n_groups), np.nan)
    for c in range(n_cases):
        for i in range(offsets[c], offsets[c + 1]):
            g = group[i]
            s = score[i]
            if g < 0 or np.isnan(s):
                continue
            if np.isnan(out[c, g]) or s < out[c, g]:
                out[c, g] = s
    return out
