"""Attribute columns of the journeys as integer codes, without going through Python objects."""

from __future__ import annotations

import numpy as np
import pandas as pd


def category_codes(
    values: pd.Series, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(integer code per row, -1 where missing; the sorted distinct values as text).

    Categorical columns (what dictionary-encoded Parquet and Arrow columns become) keep
    their codes, in their own narrow type and without a copy when their categories are
    sorted already (read-only then); other columns are factorized once (int32 codes).
    With `rows` (positions), only those rows are coded, in that order.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = np.asarray(values.cat.categories.astype(str), dtype=object)
        codes = values.cat.codes.to_numpy()
        if rows is not None:
            codes = codes[rows]
        order = np.argsort(categories, kind="stable")
        if not np.array_equal(order, np.arange(len(order))):
            # Renumbered in the codes' own narrow type, one lookup (its last entry, -1,
            # is where a missing value's code -1 points): no wider copy of every row.
            rank = np.empty(len(order) + 1, codes.dtype)
            rank[order] = np.arange(len(order))
            rank[-1] = -1
            codes = rank[codes]
            categories = categories[order]
        return codes, categories
    if rows is not None:
        values = values.iloc[rows]
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int32), np.asarray(pd.Index(uniques).astype(str), dtype=object)
