"""wijkbot: a Telegram assistant for the residents of Deventer.

Two thread settings, made before numpy or the embedding model load (an operator's own values
are kept). Both keep idle threads from spinning on the two cores the bot has:
- numpy's OpenBLAS on one thread: its idle threads kept spinning after each small product (the
  safety model, the FAQ index) and took the cores from the embedding model beside them, which
  then took 58 / 130 ms for a message instead of 15 / 34 (p50 / p99, docs/benchmarks.md). The
  products here are small; one thread does them in about a millisecond.
- the model's OpenMP threads spin 10,000 times before they sleep, not 300,000: as fast per message
  (measured), and a backlog of messages leaves the event loop its share of the cores.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("GOMP_SPINCOUNT", "10000")
