"""wijkbot: a Telegram assistant for the residents of Deventer."""
