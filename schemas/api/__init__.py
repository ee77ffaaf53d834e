"""The shapes that cross the JSON API boundary (marshmallow 4, documented by flask-smorest).

Field names are English (API, logs); every message a person reads is French. Amounts are
integer cents; times are ISO 8601 with their offset (stored in UTC)."""
