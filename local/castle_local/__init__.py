"""Castle on one machine: `castle up` (moto, the template's resources, a local API gateway, pollers,
the engine host pair, the web UI and the demo market)."""
