"""The log's own counts on one machine, with the fastest kernel for the log's shape (the
DFG's edges, the variants, per-case facts), computed once and cached on the log; the
duration moments a part keeps (moments.py) and the exact second round over parts
(exact.py). The tables users get are built from these by engine.figures.
"""
