"""WhatsApp: the webhook, the chat, and local bookkeeping."""
