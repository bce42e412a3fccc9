"""Every figure as a reduction, one module per figure, in datashader's pattern: the log's
own tables (edges, variants, activities, summary) and the journey figures.

- `chunk(part, ...)`: the figure's counts on one part of a log (whole cases), in the
  whole log's terms (engine.figures.context: activity codes, conversions, columns);
- `combine(partials)`: two or more partials of disjoint sets of journeys merged into one
  (the backends leave out parts without events, cluster/tree.py:PresentOnly);
- `finalize(partial, ...)`: the figure's table, with its schema stated at the top of the
  module.

A backend only knows how to reduce: `log.reduce(chunk, combine, *args)`. On one machine
the log is its one part (EventLog.reduce calls the chunk on it); on Dask every partition
runs the chunk and the results are combined in a tree (DaskEventLog.reduce). A figure
that needs the whole log's terms first (a column's distinct values, a score's range)
reduces a first, small round. Journey (engine.journey) calls the journey figures on
either backend; the log's own tables are its methods (verbs.py), and on parts they are
counted in one pass (log_tables.py).
"""
