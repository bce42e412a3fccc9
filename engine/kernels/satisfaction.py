"""Satisfaction scores (CSAT, NPS, sentiment) along journeys, in one pass over the events."""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def score_moments(score, group, n_groups, threshold):
    """Per group (touchpoint or stage; -1 skipped): answers, sum, sum of squares, and how
    many answers are at or below `threshold`. NaN scores are no answer."""
    n = np.zeros(n_groups, np.int64)
    total = np.zeros(n_groups, np.float64)
    squares = np.zeros(n_groups, np.float64)
    low = np.zeros(n_groups, np.int64)
    for i in range(score.shape[0]):
        g = group[i]
        s = score[i]
        if g < 0 or np.isnan(s):
            continue
        n[g] += 1
        total[g] += s
        squares[g] += s * s
        if s <= threshold:
            low[g] += 1
    return n, total, squares, low


@jit
def low_score_outcomes(score, stage, offsets, n_stages, threshold, abandoned):
    """Per stage: journeys whose lowest answer there is low, of which abandoned; journeys
    that answered there without a low score, of which abandoned."""
    n_low = np.zeros(n_stages, np.int64)
    k_low = np.zeros(n_stages, np.int64)
    n_not = np.zeros(n_stages, np.int64)
    k_not = np.zeros(n_stages, np.int64)
    lowest = np.full(n_stages, np.nan)
    for c in range(offsets.shape[0] - 1):
        lowest[:] = np.nan
        for i in range(offsets[c], offsets[c + 1]):
            s = stage[i]
            v = score[i]
            if s < 0 or np.isnan(v):
                continue
            if np.isnan(lowest[s]) or v < lowest[s]:
                lowest[s] = v
        for s in range(n_stages):
            if np.isnan(lowest[s]):
                continue
            if lowest[s] <= threshold:
                n_low[s] += 1
                if abandoned[c]:
                    k_low[s] += 1
            else:
                n_not[s] += 1
                if abandoned[c]:
                    k_not[s] += 1
    return n_low, k_low, n_not, k_not
