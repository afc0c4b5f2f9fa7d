"""eingang: the application layer (CLI and process composition) over store, connectors,
worker and admin."""
