"""Handover (交接班): the outgoing holder lists open items, the incoming one accepts them."""
