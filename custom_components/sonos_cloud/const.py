"""Constants for the Sonos Cloud integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "sonos_cloud"
LOGGER = logging.getLogger(__package__)

MANUFACTURER: Final = "Sonos"
# Devices no longer claim the local Sonos integration's identifier ("sonos",
# player id): the speaker's UPnP id and MAC connect the two (entity.py).

OAUTH_SCOPE: Final = "playback-control-all"

# Version 1 entries come from the older audio-clip-only integration (0.3.x),
# whose single entry had this unique id.
CONFIG_ENTRY_VERSION: Final = 2
LEGACY_UNIQUE_ID: Final = "sonos_cloud"

# The Control API allows 1,000 requests per minute per API key, shared by every
# installation using that key; polling may use this share of it unless the
# options say otherwise (CONF_RATE_LIMIT_SHARE).
RATE_LIMIT_PER_MINUTE: Final = 1000
POLLING_SHARE_OF_RATE_LIMIT: Final = 0.1
MIN_POLL_INTERVAL: Final = timedelta(seconds=30)
# A refresh that fails for a passing reason (rate limit, timeout, 5xx, garbage)
# keeps the last state: entities go unavailable only when failures persist.
OUTAGE_FAILED_REFRESHES: Final = 3
OUTAGE_DURATION: Final = timedelta(minutes=2)
# Failed refreshes in a row count as an outage only after this long.
OUTAGE_SHORTEST: Final = timedelta(seconds=30)
# Parallel requests and their rate are limited once per API key, by the
# client's RequestPacer (api/pacer.py).

# Volume up/down change the volume by this many points of 100 unless the options
# say otherwise; 5 is what the Sonos app's buttons do.
VOLUME_STEP_PERCENT: Final = 5
# Seconds favorites and playlists are reused for browsing and search.
LIBRARY_MAX_AGE: Final = 300

# With push events nothing is polled while events flow; a system quiet this
# long is re-read once (Sonos keeps no backlog of lost events). Subscriptions
# last three days and are renewed daily; the watchdog falls back to polling
# when events stop during playback.
PUSH_RESYNC_INTERVAL: Final = timedelta(minutes=30)
SUBSCRIPTION_RENEWAL: Final = timedelta(hours=24)
PUSH_WATCHDOG_INTERVAL: Final = timedelta(minutes=5)
PUSH_SILENCE_LIMIT: Final = timedelta(minutes=15)
# A lean push setup waits this long (seconds) for the first events, which Sonos
# sends right after each subscription, before it reads the state itself.
FIRST_EVENTS_WAIT: Final = 15
# What Sonos sends no events for (home theater options) is re-read this often
# while push covers everything else.
UNPUSHED_READ_INTERVAL: Final = timedelta(minutes=5)

# Fired when an announcement this integration started ends (push only); the
# clip statuses are api.ClipStatus.
EVENT_ANNOUNCEMENT: Final = "sonos_cloud_announcement"

CONF_VOLUME_STEP: Final = "volume_step"
# Whether to receive events over the players' own websockets (default on).
CONF_LOCAL_EVENTS: Final = "local_events"
# Share of the key's limit polling may use, in percent (option).
CONF_RATE_LIMIT_SHARE: Final = "rate_limit_share"
# Kept with the entry: events arrived at its last setup, so the next setup
# subscribes and lets the first events bring the state (lean push setup).
CONF_PUSH_WORKED: Final = "push_worked"
# Home Assistant Cloud webhook made for Sonos events, to delete with the entry.
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"

# How often the cloud-link sensors look at their figures (they never write
# a state per request).
HEALTH_UPDATE_INTERVAL: Final = timedelta(seconds=10)

# A polled position this close to the interpolated one is not a change.
POSITION_TOLERANCE_MS: Final = 1500
