"""Local stand-ins for remote services this machine cannot reach, speaking their real wire format."""
