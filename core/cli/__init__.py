"""The `shoebox` command line: a thin layer over core. One module per group of subcommands.

Each command imports what it runs inside its handler, not at the module top: every command
module is imported to build `--help`, and the pipeline (+0.56-1.06 s), the search engine
(+0.73-0.84 s) and the organizer would be paid by `shoebox status` too (-X importtime, 2
loaded cores; core.cli.main alone: 44-222 ms).
"""
