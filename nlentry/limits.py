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

#: The most entry ids one ``POST /time_entries/bulk`` may name (more is 422).
MAX_BULK_ENTRIES = 1000
#: Days a deleted entry's tombstone is kept at least (``GET /time_entries/deleted``); a
#: ``since`` further back is 422: the client must read the whole list again.
TOMBSTONE_DAYS = 90
#: The most entries ``POST /time_entries/batch`` stores from one message (422 beyond).
MAX_BATCH_ENTRIES = 500
#: The most rows (besides the header) of one CSV import (422 beyond); the file is
#: also bounded by ``MAX_IMPORT_BYTES``.
MAX_IMPORT_ROWS = 10_000
#: The largest body of ``POST /time_entries/import`` (413 beyond): an export of
#: ``MAX_IMPORT_ROWS`` entries with long texts fits (about 150 bytes a row is usual).
MAX_IMPORT_BYTES = 16 * 1_048_576

#: Webhooks: the longest subscription URL, the most subscriptions a user may have, days a
#: delivery (and its event) is kept in the log, and seconds a receiver has to answer.
MAX_WEBHOOK_URL_LENGTH = 2048
MAX_WEBHOOKS_PER_USER = 20
WEBHOOK_LOG_DAYS = 7
WEBHOOK_TIMEOUT_SECONDS = 10.0
