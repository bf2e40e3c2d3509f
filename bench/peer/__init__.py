"""Side by side with Trans-Encoder's own code (github amzn/trans-encoder): see harness.py."""
