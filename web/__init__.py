"""The Starlette app: JSON API, websocket, pages and static assets, and the CLI."""
