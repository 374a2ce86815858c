"""Everything that leaves the building: the outbox, SMS through Twilio, Web Push, delivery status."""
