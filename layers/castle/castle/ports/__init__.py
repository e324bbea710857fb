"""Small Protocols for every external thing the core talks to."""
