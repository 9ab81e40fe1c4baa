"""The application: settings, the `blina` command, the servers and the spaCy pipeline builder."""
