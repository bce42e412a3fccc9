"""Outcomes of journey steps (a step: one transition, between touchpoints or stages)."""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def step_outcomes(step_ids, step_case, step_event, n_steps, converted_at):
    """Per step id: distinct journeys taking it before converting, how many of them then
    convert, and how many journeys that never convert end with it.

    Steps come in case order; `step_event` is the index of the event a step arrives at,
    `converted_at[c]` the index of case c's converting event (-1: none). A step taken
    after the journey converted says nothing about converting and is not counted.
    """
    journeys = np.zeros(n_steps, np.int64)
    converting = np.zeros(n_steps, np.int64)
    abandoned_after = np.zeros(n_steps, np.int64)
    last_case = np.full(n_steps, -1, np.int64)
    n = step_ids.shape[0]
    for i in range(n):
        e = step_ids[i]
        c = step_case[i]
        at = converted_at[c]
        if (at < 0 or at >= step_event[i]) and last_case[e] != c:
            last_case[e] = c
            journeys[e] += 1
            if at >= 0:
                converting[e] += 1
        if (i == n - 1 or step_case[i + 1] != c) and at < 0:
            abandoned_after[e] += 1
    return journeys, converting, abandoned_after


@jit
def pair_cases(offsets):
    """The case of every consecutive pair of events and the index of the event it arrives
    at, in pair order (see dfg.pair_keys)."""
    n_cases = offsets.shape[0] - 1
    total = 0
    for c in range(n_cases):
        total += max(offsets[c + 1] - offsets[c] - 1, 0)
    case = np.empty(total, np.int64)
    target = np.empty(total, np.int64)
    p = 0
    for c in range(n_cases):
        for i in range(offsets[c], offsets[c + 1] - 1):
            case[p] = c
            target[p] = i + 1
            p += 1
    return case, target


@jit
def touchpoint_step_outcomes(act, offsets, n_activities, converted_at):
    """`step_outcomes` for the directly-follows steps, keyed a * n_activities + b, in one
    pass over the events (no per-pair arrays): journeys, converting, abandoned_after."""
    size = n_activities * n_activities
    journeys = np.zeros(size, np.int64)
    converting = np.zeros(size, np.int64)
    abandoned_after = np.zeros(size, np.int64)
    last_case = np.full(size, -1, np.int64)
    for c in range(offsets.shape[0] - 1):
        at = converted_at[c]
        last_key = -1
        for i in range(offsets[c], offsets[c + 1] - 1):
            k = np.int64(act[i]) * n_activities + act[i + 1]
            last_key = k
            if (at < 0 or at >= i + 1) and last_case[k] != c:
                last_case[k] = c
                journeys[k] += 1
                if at >= 0:
                    converting[k] += 1
        if last_key >= 0 and at < 0:
            abandoned_after[last_key] += 1
    return journeys, converting, abandoned_after
