"""Reports render one ScanResult; they never decide anything about it."""
