"""Home visits, recorded on a phone with or without a network, with photos and the EEF household items."""
