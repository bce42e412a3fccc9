"""Attribute columns of the journeys as integer codes, without going through Python objects."""

from __future__ import annotations

import numpy as np
import pandas as pd


def category_codes(
    values: pd.Series, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(integer code per row, -1 where missing; the sorted distinct values as text, see
    as_text).

    Categorical columns (what dictionary-encoded Parquet and Arrow columns become) keep
    their codes, in their own narrow type and without a copy when their categories are
    sorted already (read-only then); other columns are factorized once (int32 codes).
    With `rows` (positions), only those rows are coded, in that order.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = as_text(values.cat.categories)
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
    return codes.astype(np.int32), as_text(pd.Index(uniques))


def as_text(values: pd.Index) -> np.ndarray:
    """The values as text (object array), a whole number of a float column written as one
    (559.0, as a pandas frame's integers with NaN hold it, is '559', not '559.0'; an
    integer column with blanks is read as Int64, its values written as they are). Each
    value is written alone, so parts of a log that hold different values agree."""
    if pd.api.types.is_float_dtype(values.dtype):
        return np.array(
            [str(int(v)) if np.isfinite(v) and float(v).is_integer() else str(v) for v in values],
            dtype=object,
        )
    return np.asarray(values.astype(str), dtype=object)
