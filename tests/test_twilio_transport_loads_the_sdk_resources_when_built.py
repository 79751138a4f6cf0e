"""The Twilio SDK imports its REST resources (some 90 modules, about 70 ms) on first use:
the transport loads them when it is built, with the app, so the first SMS of a campaign
does not stop the event loop for it. Checked in a fresh interpreter (this one has them)."""

import subprocess
import sys

SCRIPT = """
import sys
from crm.config import load_settings
from crm.sms.twilio import TwilioTransport
before = "twilio.rest.api.v2010.account.message" in sys.modules
TwilioTransport(load_settings(sms_backend="twilio", twilio_account_sid="AC" + "0" * 32,
                              twilio_auth_token="secret", twilio_from="+33700000000",
                              public_url="https://crm.example.fr"))
print(before, "twilio.rest.api.v2010.account.message" in sys.modules)
"""


def test_building_the_transport_imports_the_message_resource():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True,
                         timeout=60)
    assert out.stdout.split() == ["False", "True"]
