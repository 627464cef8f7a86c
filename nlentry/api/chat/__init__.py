"""The chat platforms' endpoints: each adapter verifies a delivery, translates it for
the conversation (``nlentry.chat``) and renders its reply (docs/chat.md)."""
