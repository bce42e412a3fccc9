"""Satisfaction scores (CSAT, NPS, sentiment) along journeys, in one pass over the events."""

from __future__ import annotations

import numpy as np

from ._jit import jit


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
    n_activities = stage_of_activity.shape[0]
    t_n = np.zeros(n_activities, np.int64)
    t_total = np.zeros(n_activities, np.float64)
    t_squares = np.zeros(n_activities, np.float64)
    t_low = np.zeros(n_activities, np.int64)
    s_n = np.zeros(n_stages, np.int64)
    s_total = np.zeros(n_stages, np.float64)
    s_squares = np.zeros(n_stages, np.float64)
    s_low = np.zeros(n_stages, np.int64)
    n_low = np.zeros(n_stages, np.int64)
    k_low = np.zeros(n_stages, np.int64)
    n_not = np.zeros(n_stages, np.int64)
    k_not = np.zeros(n_stages, np.int64)
    lowest = np.full(n_stages, np.nan)
    answered = np.empty(n_stages, np.int64)  # stages answered in the current case
    for c in range(offsets.shape[0] - 1):
        n_answered = 0
        for i in range(offsets[c], offsets[c + 1]):
            v = score[i]
            if np.isnan(v):
                continue
            a = act[i]
            t_n[a] += 1
            t_total[a] += v
            t_squares[a] += v * v
            if v <= threshold:
                t_low[a] += 1
            s = stage_of_activity[a]
            if s < 0:
                continue
            s_n[s] += 1
            s_total[s] += v
            s_squares[s] += v * v
            if v <= threshold:
                s_low[s] += 1
            if np.isnan(lowest[s]):
                answered[n_answered] = s
                n_answered += 1
                lowest[s] = v
            elif v < lowest[s]:
                lowest[s] = v
        for j in range(n_answered):
            s = answered[j]
            if lowest[s] <= threshold:
                n_low[s] += 1
                if abandoned[c]:
                    k_low[s] += 1
            else:
                n_not[s] += 1
                if abandoned[c]:
                    k_not[s] += 1
            lowest[s] = np.nan
    return (
        (t_n, t_total, t_squares, t_low),
        (s_n, s_total, s_squares, s_low),
        (n_low, k_low, n_not, k_not),
    )
