"""Performance figures of the assistant, printed by `make bench` (`python -m bench`)."""
