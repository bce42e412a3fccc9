"""Walker's alias tables of the Poisson distribution: how the lost-conversion bootstrap
(kernels.lost.poisson_weights) draws, with one uniform and no loop, the journeys a group
of n equal journeys counts in a replicate."""

from __future__ import annotations

import functools
import math

import numpy as np

#: Groups of at most this many equal journeys draw their Poisson count from the tables;
#: larger ones by transformed rejection (kernels.lost.poisson_weights).
SMALL_GROUP = 32


@functools.cache
def poisson_alias(largest: int = SMALL_GROUP) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walker's alias tables of Poisson(n), n = 0 .. largest (rows): per row its number of
    outcomes L (the tail past them, under 2**-60 of the mass, is left out), and per
    outcome i < L the chance of keeping i and the outcome drawn otherwise (Vose's
    construction). A draw: x = u * L, i = floor(x), then i if x - i < keep[i], else
    alias[i]: one uniform, no loop, which is what makes a replicate cheap."""
    width = largest + 1
    while -largest + width * math.log(largest) - math.lgamma(width + 1) > -60 * math.log(2):
        width += 1
    keep = np.ones((largest + 1, width))
    alias = np.zeros((largest + 1, width), np.int64)
    size = np.ones(largest + 1, np.int64)
    for n in range(1, largest + 1):
        k = np.arange(width)
        lgamma = np.array([math.lgamma(j + 1) for j in k])
        pmf = np.exp(-n + k * math.log(n) - lgamma)
        tail = np.cumsum(pmf[::-1])[::-1]  # P(X >= k)
        outcomes = int(np.flatnonzero((k >= n) & (np.append(tail[1:], 0.0) < 2.0**-60))[0]) + 1
        scaled = list(pmf[:outcomes] / pmf[:outcomes].sum() * outcomes)
        small = [i for i in range(outcomes) if scaled[i] < 1.0]
        large = [i for i in range(outcomes) if scaled[i] >= 1.0]
        while small and large:
            low, high = small.pop(), large.pop()
            keep[n, low], alias[n, low] = scaled[low], high
            scaled[high] += scaled[low] - 1.0
            (small if scaled[high] < 1.0 else large).append(high)
        size[n] = outcomes
    return keep, alias, size
