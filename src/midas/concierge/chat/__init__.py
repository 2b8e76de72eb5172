"""Live chat with the concierge: conversations, their messages, who is on duty, the bus that
wakes the open streams and the Server-Sent Events stream itself (docs/explanation/chat.md).

An app of its own (label ``chat``, its own migrations) inside the concierge's package: it
calls the concierge's ticket services to turn a conversation into a ticket; the concierge
never imports it."""
