"""Every kernel of engine/kernels against its plain numpy reference
(tests/kernel_references.py), on generated inputs of several sizes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.kernel_references import HELPERS, NO_REFERENCE, REFERENCES, check, public_kernels


@pytest.mark.parametrize("name", sorted(REFERENCES))
@pytest.mark.parametrize("size", [0, 1, 9, 200])
def test_kernel_matches_its_reference(name: str, size: int) -> None:
    for seed in range(5):
        check(name, np.random.default_rng([seed, size]), size)


#: Kernels cheap enough to check on many drawn inputs.
CHEAP = [
    "grouping.tally",
    "grouping.group_values",
    "stages.stage_pass",
    "steps.pair_counts",
    "steps.pair_durations",
]


@pytest.mark.parametrize("name", CHEAP)
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(0, 60))
def test_kernel_matches_its_reference_on_drawn_inputs(name: str, seed: int, size: int) -> None:
    check(name, np.random.default_rng(seed), size)


def test_every_public_kernel_is_registered() -> None:
    """A new public jitted function needs a reference, or an entry saying which kernel's
    reference covers it (HELPERS) or why it has none yet (NO_REFERENCE)."""
    registered = set(REFERENCES) | set(HELPERS) | set(NO_REFERENCE)
    kernels = public_kernels()
    assert not kernels - registered, (
        f"kernels without a registry entry: {sorted(kernels - registered)}"
    )
    assert not registered - kernels, (
        f"registry entries of no kernel: {sorted(registered - kernels)}"
    )
    assert not set(REFERENCES) & (set(HELPERS) | set(NO_REFERENCE))
    assert set(HELPERS.values()) <= set(REFERENCES) | set(NO_REFERENCE)
