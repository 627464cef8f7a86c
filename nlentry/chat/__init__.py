"""Logging time from a chat: the platform-independent conversation (``conversation``)
and what it and the platform adapters (``nlentry.api.chat``) exchange (``model``)."""
