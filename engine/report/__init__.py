"""Figures and the HTML report: the process map (Graphviz), interactive charts (plotly) and
report.html, all built from a batch run's output tables."""

from .build import REPORT, RunOutputs, write_report
from .process_map import GraphvizMissing, map_counts, process_map_source, render

__all__ = [
    "REPORT",
    "GraphvizMissing",
    "RunOutputs",
    "map_counts",
    "process_map_source",
    "render",
    "write_report",
]
