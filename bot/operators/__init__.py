"""Operators' tools: the learning log, the report, live reload, evaluation and the scrubber."""
