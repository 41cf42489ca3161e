"""What several formats share: reading text under the limits, JSON with source positions,
and the parse options."""
