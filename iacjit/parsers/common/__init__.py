"""What several formats share: reading text under the limits, JSON with source positions,
the parse options and the one error type of unreadable input (errors.ParseError)."""
