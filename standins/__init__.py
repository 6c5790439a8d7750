"""Local stand-ins for the services the bot talks to (the Bot API, PDOK, the police API), on
127.0.0.1, with faults on request. Shared by the tests and the benchmarks; not part of the package.
"""
