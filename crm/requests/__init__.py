"""Tenant requests (demandes): their steps, the status SMS the tenant gets at each step, and
the satisfaction question after closing.

Other features use the public functions of ``crm.requests.service`` (create, change a step,
push by reference) and ``crm.requests.replies`` (the inbox's handler for replies).
"""
