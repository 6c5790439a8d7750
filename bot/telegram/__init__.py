"""The Telegram door: the application, handlers, rendering, pacing, delivery and the inbox."""
