"""The network wing: the catalog client and its HTTP cache (requests-cache, imported on first use)."""
