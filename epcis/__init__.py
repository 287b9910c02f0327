"""GS1 model: EPCIS 2.0 events, CBV vocabulary, GS1 keys, Digital Link, Event Hash ID."""
