"""Rasa SDK custom actions: thin adapters over the knowledge base, the scheduling core and triage."""
from actions.common import fact_index

# The sentence model loads and traces its graph when the server starts, not at the first patient's question.
fact_index().likeness("How long is a cycle?")
