"""Pure domain core: no AWS, no database, no clock, no environment."""
