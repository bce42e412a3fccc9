"""Small statistics the journey tables need: Wilson intervals, a two-proportion test,
multiple-testing corrections, Kaplan–Meier confidence bands, and sample sizes.

Plain numpy with the normal distribution from the standard library, so that the numbers
can be checked by hand; no model fitting.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np


def z_value(confidence: float) -> float:
    """The two-sided normal quantile for `confidence` (0.95 → 1.96)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1; got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson_interval(
    successes: np.ndarray | int, trials: np.ndarray | int, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion; NaN where there are no trials."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = np.where(k <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))  # exact bounds at 0 and n
    high = np.where(k >= n, 1.0, np.clip(centre + half, 0.0, 1.0))
    low = np.where(n > 0, low, np.nan)
    high = np.where(n > 0, high, np.nan)
    return low, high


def two_proportion_test(
    k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-proportion z test, two-sided: (z, p-value); NaN where undefined."""
    k1, n1, k2, n2 = (np.asarray(a, dtype=float) for a in (k1, n1, k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (k1 + k2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (k1 / n1 - k2 / n2) / se
    z = np.where((n1 > 0) & (n2 > 0) & (se > 0), z, np.nan)
    return z, two_sided_p(z)


def one_sided_p(k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """P(Z > z) of the pooled two-proportion z test of "k1/n1 exceeds k2/n2"; 1 where
    both rates are 0 or both 1 (no evidence), NaN where a group is empty."""
    z, _ = two_proportion_test(k1, n1, k2, n2)
    n1, n2 = np.asarray(n1, dtype=float), np.asarray(n2, dtype=float)
    tail = np.vectorize(math.erfc, otypes=[float])(np.nan_to_num(z) / math.sqrt(2.0)) / 2.0
    return np.where(np.isnan(z), np.where((n1 > 0) & (n2 > 0), 1.0, np.nan), tail)


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """2 P(Z > |z|) from the complementary error function, so that tiny p-values keep
    their size (1 - Φ(|z|) is exactly 0 past |z| ≈ 8.3); NaN stays NaN."""
    z = np.asarray(z, dtype=float)
    tail = np.vectorize(math.erfc, otypes=[float])(np.abs(np.nan_to_num(z)) / math.sqrt(2.0))
    return np.where(np.isnan(z), np.nan, tail)


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (family-wise error); NaN stays NaN."""

    def step_down(p: np.ndarray, m: int) -> np.ndarray:
        return np.maximum.accumulate((m - np.arange(m)) * p)

    return _adjusted(p_values, step_down)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (false-discovery rate); NaN stays NaN and is
    not counted in the family."""

    def step_up(p: np.ndarray, m: int) -> np.ndarray:
        return np.minimum.accumulate((p * m / np.arange(1, m + 1))[::-1])[::-1]

    return _adjusted(p_values, step_up)


def _adjusted(p_values: np.ndarray, rule) -> np.ndarray:
    """`rule(sorted p, m)` applied to the non-NaN p-values in ascending order, capped
    at 1 and put back in place; NaN stays NaN and is not counted in the family."""
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    if valid.size:
        order = valid[np.argsort(p[valid], kind="stable")]
        out[order] = np.minimum(rule(p[order], valid.size), 1.0)
    return out


def logrank_keys(duration_ns: np.ndarray, event: np.ndarray, group: int) -> np.ndarray:
    """The int64 keys logrank_p sorts: duration * 4 + 2 * censored + group (durations
    stay far below 2**61 ns), so that one plain sort orders both groups' times."""
    return (np.asarray(duration_ns, np.int64) << 2) | ((~np.asarray(event, bool)) << 1) | group


def logrank_p(sorted_keys: np.ndarray) -> float:
    """Two-sided p-value of the log-rank test between groups 0 and 1, from their
    logrank_keys sorted together; NaN when nothing happens (no event, or one group
    empty). Right-censored times count as at risk at their own time."""
    keys = np.asarray(sorted_keys)
    n = keys.size
    group = (keys & 1).astype(bool)
    event = (keys & 2) == 0
    time = keys >> 2
    n_b = int(group.sum())
    if n == 0 or n_b in (0, n) or not event.any():
        return float("nan")
    starts = np.flatnonzero(np.r_[True, time[1:] != time[:-1]])
    at_risk = (n - starts).astype(float)
    before_b = np.r_[0, np.cumsum(group)][starts]
    at_risk_b = (n_b - before_b).astype(float)
    d = np.add.reduceat(event.astype(np.int64), starts).astype(float)
    d_b = np.add.reduceat((event & group).astype(np.int64), starts).astype(float)
    share = at_risk_b / at_risk
    expected = d * share
    variance = d * share * (1 - share) * (at_risk - d) / np.maximum(at_risk - 1, 1)
    total_variance = variance.sum()
    if total_variance <= 0:
        return float("nan")
    z = (d_b.sum() - expected.sum()) / np.sqrt(total_variance)
    return float(math.erfc(abs(z) / math.sqrt(2.0)))


def loglog_band(
    survival: np.ndarray, greenwood: np.ndarray, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan–Meier pointwise band on the log(-log) scale (stays inside [0, 1])."""
    s = np.asarray(survival, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(s)
        se = np.sqrt(greenwood) / np.abs(log_s)
        low = s ** np.exp(z * se)
        high = s ** np.exp(-z * se)
    degenerate = (s <= 0) | (s >= 1) | ~np.isfinite(se)
    low = np.where(degenerate, s, low)
    high = np.where(degenerate, s, high)
    return low, high


def sample_size(
    margin: float,
    *,
    proportion: float = 0.5,
    confidence: float = 0.95,
    population: int | None = None,
) -> int:
    """Journeys (or survey answers) needed to estimate a proportion within ± `margin`.

    `proportion` is the expected rate (0.5, the default, is the worst case); `population`
    applies the finite-population correction.
    """
    if not 0.0 < margin < 1.0:
        raise ValueError(f"margin must be between 0 and 1 (e.g. 0.03 for ±3 points); got {margin}")
    if not 0.0 <= proportion <= 1.0:
        raise ValueError(f"proportion must be between 0 and 1; got {proportion}")
    z = z_value(confidence)
    n = z * z * proportion * (1 - proportion) / (margin * margin)
    if population is not None:
        if population < 1:
            raise ValueError(f"population must be at least 1; got {population}")
        n = n / (1 + (n - 1) / population)
    return int(np.ceil(n - 1e-9))
