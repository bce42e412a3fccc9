"""Satisfaction scores (CSAT, NPS, sentiment) along journeys, in one pass over the events."""

from __future__ import annotations

import numpy as np

from ._jit import inline, jit


@jit
def score_summary(score, act, stage_of_activity, offsets, threshold, abandoned, n_stages):
    """Scores per touchpoint and per stage, and low scores against abandoning, in one pass
    over the events (in log order, so that the sums are those of a plain loop).

    NaN scores are no answer; a score at or below `threshold` is low. Returns
    (by_touchpoint, by_stage, outcomes):
    - by_touchpoint, by_stage: (answers, sum, sum of squares, low answers), each an array
      over the activity codes (those `stage_of_activity` maps) or over the stages (events
      of unmapped touchpoints left out);
    - outcomes, per stage: journeys whose lowest answer there is low, of which abandoned;
      journeys that answered there without a low score, of which abandoned.
    """
    by_touchpoint = _empty_sums(stage_of_activity.shape[0])
    by_stage = _empty_sums(n_stages)
    outcomes = _empty_counts(n_stages)
    lowest = np.full(n_stages, np.nan)
    answered = np.empty(n_stages, np.int64)  # stages answered in the current case
    for c in range(offsets.shape[0] - 1):
        n_answered = 0
        for i in range(offsets[c], offsets[c + 1]):
            v = score[i]
            if np.isnan(v):
                continue
            a = act[i]
            _add_score(by_touchpoint, a, v, threshold)
            s = stage_of_activity[a]
            if s < 0:
                continue
            _add_score(by_stage, s, v, threshold)
            if np.isnan(lowest[s]):
                answered[n_answered] = s
                n_answered += 1
                lowest[s] = v
            elif v < lowest[s]:
                lowest[s] = v
        _count_outcomes(outcomes, answered, n_answered, lowest, threshold, abandoned[c])
    return by_touchpoint, by_stage, outcomes


@jit
def _empty_sums(n):
    """(answers, sum, sum of squares, low answers) over n places, all zero."""
    return np.zeros(n, np.int64), np.zeros(n), np.zeros(n), np.zeros(n, np.int64)


@jit
def _empty_counts(n):
    """Four int64 counts over n places, all zero."""
    return (
        np.zeros(n, np.int64),
        np.zeros(n, np.int64),
        np.zeros(n, np.int64),
        np.zeros(n, np.int64),
    )


@inline
def _add_score(sums, k, v, threshold):
    """Count score v of place k into `sums` (see _empty_sums)."""
    n, total, squares, low = sums
    n[k] += 1
    total[k] += v
    squares[k] += v * v
    if v <= threshold:
        low[k] += 1


@inline
def _count_outcomes(outcomes, answered, n_answered, lowest, threshold, abandoned):
    """Count one journey into `outcomes` for each stage it answered at (the first
    `n_answered` of `answered`; its lowest answer there in `lowest`, reset to NaN for
    the next journey)."""
    n_low, k_low, n_not, k_not = outcomes
    for j in range(n_answered):
        s = answered[j]
        if lowest[s] <= threshold:
            n_low[s] += 1
            if abandoned:
                k_low[s] += 1
        else:
            n_not[s] += 1
            if abandoned:
                k_not[s] += 1
        lowest[s] = np.nan
