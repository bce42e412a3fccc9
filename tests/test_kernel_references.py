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


def test_profiles_grouped_past_the_first_table():
    """group_profiles' table starts small and grows as groups arrive: 5,000 distinct
    profiles (each two to four times, shuffled, some counted 0, some empty) group as the
    reference groups them, however often the table grew."""
    from engine.kernels.profiles import group_profiles
    from tests.kernel_references import ref_group_profiles

    rng = np.random.default_rng(11)
    distinct = [
        (bool(k % 2), tuple(int(x) for x in rng.integers(-20, 60, rng.integers(1, 6))))
        for k in range(5_000)
    ]
    rows = [p for p in distinct for _ in range(int(rng.integers(2, 5)))] + [(False, ())] * 50
    rows = [rows[i] for i in rng.permutation(len(rows))]
    offsets = np.concatenate([[0], np.cumsum([len(items) for _, items in rows])]).astype(np.int64)
    items = np.array([x for _, own in rows for x in own], np.int32)
    converted = np.array([c for c, _ in rows])
    counts = rng.integers(0, 3, len(rows)).astype(np.int64)
    got = group_profiles(counts, converted, offsets, items)
    want = ref_group_profiles(counts, converted, offsets, items)
    assert len(want[0]) > 2_048  # the table (room for 1,024 groups at first) grew twice
    for mine, theirs in zip(got, want, strict=True):
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
