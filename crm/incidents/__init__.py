"""Outages and planned stops as incidents: the households concerned, the messages sent about
them, the replies and contacts they caused, the landlord's commitments and the downtime.

Other features use ``crm.incidents.service`` (declare, notify, resolve...) and
``crm.incidents.commitments`` (the job); views only go through those.
"""
