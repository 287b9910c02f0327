"""Provenance verdicts: every lineage event recomputed and checked against the chain."""
