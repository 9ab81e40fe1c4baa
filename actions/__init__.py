"""Rasa SDK custom actions: thin adapters over the knowledge base, the scheduling core and triage."""
