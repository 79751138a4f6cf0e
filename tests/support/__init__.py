"""What the tests share: factories, the Twilio stand-in server, and each feature's helpers
(fixtures and builders). Test files hold only tests."""
