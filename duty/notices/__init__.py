"""Notices (通知/通报) down the hierarchy: sent to units, signed for (签收) and answered by each."""
