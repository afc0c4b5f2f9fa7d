"""The shared domain model and persistence: settings, items, documents, events, blobs.

Every other package imports this one; it imports none of them.
"""
