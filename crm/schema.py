"""Every table of the service, gathered for Alembic and for tests' create_all.

A feature that adds tables imports its models module here.
"""

from sqlmodel import SQLModel

import crm.models  # noqa: F401

for _module in ("crm.calls.models", "crm.campaigns.models", "crm.sms.models", "crm.surveys.models"):
    try:
        __import__(_module)
    except ModuleNotFoundError as exc:  # a feature not written yet
        if exc.name != _module:
            raise

metadata = SQLModel.metadata
