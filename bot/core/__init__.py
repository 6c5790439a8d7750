"""The core: a Query in, a Reply out. Imports no telegram, sqlite3, httpx or aiohttp."""
