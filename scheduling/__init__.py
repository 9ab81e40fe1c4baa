"""The scheduling core: pure functions that turn a regimen and a patient's inputs into a day-by-day plan."""
