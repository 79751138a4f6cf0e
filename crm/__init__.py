"""Tenant communication and courtesy-call service for social-housing landlords."""
