"""Org units: jurisdictions by GB/T 2260 code, agencies, departments, teams; and their facilities."""
