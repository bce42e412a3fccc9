"""Variants seen through the journey: how often the journeys on each path convert."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..analysis.variants import compute_variants
from ..kernels.grouping import tally
from ..schema import FLOAT, INT, TEXT_LIST, table_schema

if TYPE_CHECKING:
    from .journey import Journey

JOURNEY_VARIANT_SCHEMA = table_schema(
    variant=TEXT_LIST,
    frequency=INT,
    share=FLOAT,
    converted=INT,
    conversion_rate=FLOAT,
    median_duration_s=FLOAT,
)
JOURNEY_VARIANT_COLUMNS = tuple(JOURNEY_VARIANT_SCHEMA.names)


def conversions_per_variant(journey: Journey) -> np.ndarray:
    """Converted journeys per variant, in the order of `log.variants()`."""
    variants = journey.log.cache("variants", compute_variants)
    _, converted = tally(
        variants.variant_of_case, journey.conversions.converted, len(variants.frequency)
    )
    return converted
