"""Every limit of nlentry, once: the parser, the API's readers and its OpenAPI schemas read them.

Plain constants, importing nothing of nlentry (the parser imports this module too).
"""

from __future__ import annotations

#: The largest id: ids are 32-bit integers in every database.
MAX_ID = 2**31 - 1
#: The longest time entry: one day.
MAX_DURATION_SECONDS = 24 * 60 * 60
#: The longest name of a client, project, service or alias.
MAX_NAME_LENGTH = 255
#: The longest sentence (``body``) of a time entry.
MAX_BODY_LENGTH = 10_000
#: The most entries on one page of ``GET /time_entries`` (more is served as this many).
MAX_PER_PAGE = 100
#: The largest request body, in bytes (413 beyond).
MAX_REQUEST_BYTES = 1_048_576
#: The deepest nesting of a JSON body (400 beyond).
MAX_JSON_DEPTH = 32
#: The longest ``Idempotency-Key`` header.
MAX_IDEMPOTENCY_KEY_LENGTH = 128
#: The most digits of an integer written as text (a longer one is no number).
MAX_INTEGER_DIGITS = 18
#: Requests a token may make, unless configured (``NLENTRY_RATE_LIMIT``): a ``limits``
#: expression, every item counted per token (a minute's, and a second's burst).
DEFAULT_RATE_LIMIT = "120/minute;10/second"
#: Requests a token may make a minute, unless configured (the minute of ``DEFAULT_RATE_LIMIT``).
DEFAULT_RATE_LIMIT_PER_MINUTE = 120
#: Seconds a request body may take to arrive, unless configured (408 beyond).
DEFAULT_BODY_TIMEOUT_SECONDS = 10.0

#: The earliest year a written date may name; before it a date is invalid
#: (``op 01-01-0001`` is no entry of 2001).
MIN_YEAR = 1900

#: ``metadata`` (entries, projects, clients, services): at most this many keys,
#: each key and value at most this long.
MAX_METADATA_KEYS = 20
MAX_METADATA_KEY_LENGTH = 40
MAX_METADATA_VALUE_LENGTH = 500
#: The most tags on one entry, and the longest tag.
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
