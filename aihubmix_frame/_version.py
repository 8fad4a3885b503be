"""The package version, in one place (imported by the package, the codec and the CLI)."""

__version__ = "0.3.0"
