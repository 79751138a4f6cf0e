"""Every table of the service, gathered for Alembic and for tests (`db.create_all(schema.metadata)`).

A feature that adds tables imports its models module here.
"""

from sqlmodel import SQLModel

import crm.calls.models  # noqa: F401
import crm.campaigns.models  # noqa: F401
import crm.inbox.models  # noqa: F401
import crm.inbox.replies.models  # noqa: F401
import crm.incidents.models  # noqa: F401
import crm.login_throttle  # noqa: F401
import crm.models  # noqa: F401
import crm.requests.models  # noqa: F401
import crm.sms.models  # noqa: F401
import crm.surveys.models  # noqa: F401
import crm.tenants.models  # noqa: F401

metadata = SQLModel.metadata
