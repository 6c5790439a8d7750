"""Telegram update handlers: thin adapters around the assistant."""
