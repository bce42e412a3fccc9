"""Analyses of a canonical log: run the kernels, decode codes into names, shape tables.

Each module computes arrays once (cached on the log) and builds a fresh DataFrame for
every call, so callers may modify what they get without affecting the log.
"""
