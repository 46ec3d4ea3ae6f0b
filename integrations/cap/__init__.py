"""CAP 1.2 in and out (issue #12): safe parsing and XSD validation, the normalised alert model,
export with the GB/T 35965.1 identifier, the feed. See docs/cap.md."""
