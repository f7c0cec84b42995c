"""The push fixtures of ``test_webhook``: Home Assistant serving the webhook."""

from tests.test_webhook import (  # noqa: F401  (fixtures used by name)
    config_entry,
    ha_client,
    push_integration,
)
