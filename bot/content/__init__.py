"""Content: the models of content/*.yaml, their checks, loading, and every key the code names."""
