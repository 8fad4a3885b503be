"""Parts of the CatalogServer: its fault-free request routing and its malformed 200 bodies."""
