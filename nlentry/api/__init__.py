"""The HTTP service: a Timi-compatible JSON API on Starlette (see ``create_app``)."""
