"""The command line: files, processes, configuration and output. Imports no libcst nodes."""
