"""Exchange formats: iLEAP, PACT, and signed Carbon Added chain statements."""
