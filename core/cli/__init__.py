"""The `shoebox` command line: a thin layer over core. One module per group of subcommands."""
