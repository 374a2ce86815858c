"""The cumulative record (ระเบียนสะสม): learning, health, family, safety; every change kept, sensitive reads audited."""
