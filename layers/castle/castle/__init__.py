"""Castle's shared package: the pure domain core, the wire contracts and the adapters around them."""
