"""Storage: the SQLAlchemy models, the engine, migrations, tokens and accounts.

Nothing here knows about HTTP; the API and the command line both build on it.
"""

from nlentry.storage import chat_models, webhook_models  # noqa: F401  (their tables join Base.metadata)
from nlentry.storage.accounts import (
    ROLES,
    AccountError,
    create_user,
    find_user,
    get_or_create_workspace,
    get_user,
    has_users,
    update_profile,
)
from nlentry.storage.api_tokens import (
    IssuedToken,
    find_token,
    issue_token,
    live_tokens,
    record_use,
    revoke_own_token,
    revoke_token,
    revoke_user_tokens,
)
from nlentry.storage.engine import (
    DATABASE_URL_ENV,
    DEFAULT_DATABASE_URL,
    Database,
    database_url,
    make_engine,
)
from nlentry.storage.migrate import migrate

__all__ = [
    "DATABASE_URL_ENV",
    "DEFAULT_DATABASE_URL",
    "ROLES",
    "AccountError",
    "Database",
    "IssuedToken",
    "create_user",
    "database_url",
    "find_token",
    "find_user",
    "get_or_create_workspace",
    "get_user",
    "has_users",
    "issue_token",
    "live_tokens",
    "make_engine",
    "migrate",
    "record_use",
    "revoke_own_token",
    "revoke_token",
    "revoke_user_tokens",
    "update_profile",
]
