"""Users, roles, sessions and API tokens; who may see what (visibility) lives in `visibility.py`."""
