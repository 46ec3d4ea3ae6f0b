"""Roll-call (查岗点名): a superior calls its subordinate duty rooms; each answers within a window."""
