"""The report's interactive charts, drawn by plotly from the output tables.

Each function takes the tables a batch run writes (so `parcours report DIR` can rebuild
the charts from the Parquet files alone) and returns a plotly Figure, or None when the
table it needs was not written. Text that comes from the log goes through `safe()`: plotly
reads a few HTML-like tags in labels, and a touchpoint called "<b>" must show as such.

One module per subject: stages (funnel, flows, dwell, the journey map), conversion (time
to convert, segments, variants), channels; what they share (colours, layout, labels) is in
style.
"""

from .channels import channel_mix, channel_switches
from .conversion import segments, thin_steps, time_to_convert, variant_explorer
from .stages import dwell_distributions, funnel, journey_map, stage_sankey
from .style import safe

__all__ = [
    "channel_mix",
    "channel_switches",
    "dwell_distributions",
    "funnel",
    "journey_map",
    "safe",
    "segments",
    "stage_sankey",
    "thin_steps",
    "time_to_convert",
    "variant_explorer",
]
