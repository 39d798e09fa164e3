"""The customer channels: web chat, WhatsApp Business and the voice provider."""
