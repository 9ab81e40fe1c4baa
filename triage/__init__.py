"""Red-flag detection and triage summaries, independent of the NLU model."""
