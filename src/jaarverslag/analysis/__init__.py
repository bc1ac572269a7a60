"""Analysis: targets evaluated (with the change against the previous year), goals and the audit."""
