"""Connectors turn a channel into a stored original and an Item, durably, before they
acknowledge the channel. Nothing is parsed, classified or routed here."""
