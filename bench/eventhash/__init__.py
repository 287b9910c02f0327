"""Event Hash ID throughput: ours against the epcis-event-hash-generator peer."""
