"""The API's reads and writes, one module per kind of row; each function takes a session."""
