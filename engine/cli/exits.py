"""The exit codes of `parcours`: 0 success, 2 usage error, 3 unusable input log, 4 output
cannot be written, 1 internal error (a bug: please report it), 130 interrupted."""

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_OUTPUT = 4
EXIT_INTERRUPTED = 130
