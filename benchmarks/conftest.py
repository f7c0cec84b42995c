"""Benchmark fixtures: the test suite's simulator and account, plus the report.

The fixtures of ``tests/conftest.py`` (``simulator``, ``setup_credentials``,
``config_entry``, ``init_integration``, ...) are reused as they are. Only the
simulator's rate limiter is lifted by default, so that back-to-back refreshes
of large households measure the integration rather than the 429 answers;
the benchmarks that study the limiter set ``simulator_options`` themselves.
"""

import asyncio
import logging
import os
from pathlib import Path
import platform
import subprocess
from typing import Any

from homeassistant.const import __version__ as ha_version
import pytest

from tests.conftest import *  # noqa: F403 (the test suite's fixtures)
from tests.simulator import SonosCloudSimulator

from .report import REPORT

# Far above anything a benchmark sends; reported in the output.
UNLIMITED = {"quota_per_minute": 10**9, "spike_per_second": 10**9}

# (players, groups) by the fixture that asks for them (``<kind>_size``): rooms
# of one player each, then fewer, larger groups.
SIZES = {
    "idle": {
        "full": [(1, 1), (10, 10), (32, 32), (100, 100), (100, 50)],
        "quick": [(1, 1), (10, 10), (10, 5)],
    },
    "scale": {
        "full": [
            (1, 1),
            (10, 10),
            (32, 32),
            (100, 100),
            (32, 1),
            (100, 50),
            (100, 10),
        ],
        "quick": [(1, 1), (10, 10), (10, 5)],
    },
    "memory": {
        "full": [(1, 1), (10, 10), (32, 32), (100, 100)],
        "quick": [(1, 1), (10, 10)],
    },
    "fresh": {"full": [(3, 3), (10, 10), (32, 32)], "quick": [(3, 3), (10, 10)]},
    "limiter": {"full": [(10, 10), (32, 32), (100, 100)], "quick": [(10, 10)]},
    "storm": {"full": [(32, 32)], "quick": [(10, 10)]},
    "push": {
        "full": [(1, 1), (10, 10), (32, 32), (100, 100), (100, 50)],
        "quick": [(1, 1), (10, 10)],
    },
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--quick``: small households and few repetitions (CI smoke test)."""
    parser.addoption(
        "--quick",
        action="store_true",
        default=False,
        help="small sizes and few repetitions (a smoke test, under a minute)",
    )


@pytest.fixture
def quick(request: pytest.FixtureRequest) -> bool:
    """Whether the run is the quick smoke test."""
    return bool(request.config.getoption("--quick"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Pick the household sizes of the mode (``--quick`` or full)."""
    mode = "quick" if metafunc.config.getoption("--quick") else "full"
    for kind, sizes in SIZES.items():
        name = f"{kind}_size"
        if name in metafunc.fixturenames:
            metafunc.parametrize(
                name, sizes[mode], ids=[f"{p}p-{g}g" for p, g in sizes[mode]]
            )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Let households grow past Sonos' 32 rooms: the benchmarks show the growth.

    The contract checker still watches every exchange of the test suite.
    """
    for item in items:
        item.add_marker(pytest.mark.off_contract("households of up to 100 rooms"))


@pytest.fixture
def mode(quick: bool) -> str:
    """Return ``quick`` or ``full``."""
    return "quick" if quick else "full"


@pytest.fixture
def simulator_options() -> dict[str, Any]:
    """Lift the simulator's rate limiter unless a benchmark overrides this."""
    return dict(UNLIMITED)


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Run the loop as Home Assistant runs it: without asyncio's debug mode.

    The test plugin turns it on; it records a stack trace for every future,
    task and callback, which made a 100-room refresh cost 4.6 times the CPU
    and charged most of it to the integration (it makes more of them than a
    raw replay of its requests).
    """
    asyncio.get_running_loop().set_debug(False)


@pytest.fixture(autouse=True)
def quiet_logs() -> None:
    """Keep Home Assistant's INFO and WARNING logs out of the printed report."""
    logging.getLogger().setLevel(logging.ERROR)


@pytest.fixture(autouse=True)
def lifted_rate_limiter(
    simulator: SonosCloudSimulator,
    simulator_options: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Switch the limiter off when it is lifted, so it costs no CPU either.

    The simulator counts every request of the last minute to enforce its
    limits; with thousands of back-to-back requests that bookkeeping would
    be measured along with the integration.
    """
    if simulator_options == UNLIMITED:
        monkeypatch.setattr(simulator, "_rate_limit", lambda _client_id: None)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:  # noqa: PTH123
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:  # noqa: PTH123
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _code_version() -> str:
    """Return the commit benchmarked and whether the working tree differed."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown (not a git checkout)"
    dirty = git("status", "--porcelain", "--", "custom_components")
    return commit + (" + uncommitted changes in custom_components/" if dirty else "")


def pytest_configure(config: pytest.Config) -> None:
    """Describe the machine and the mode at the top of the report."""
    mode = "quick (smoke test)" if config.getoption("--quick") else "full"
    REPORT.header = [
        "## sonos_cloud benchmark",
        "",
        f"- mode: {mode}",
        f"- machine: {os.cpu_count()} CPUs ({_cpu_model()}), {_memory()} RAM",
        f"- Python {platform.python_version()}, Home Assistant {ha_version}",
        f"- integration code: {_code_version()}",
        (
            "- simulator: in-process aiohttp server on 127.0.0.1, same event loop "
            "as Home Assistant; its rate limiter (1,000/min, 100/s) is switched "
            "off except in table 4d and where faults inject 429s"
        ),
    ]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the tables once every benchmark ran."""
    if not REPORT.tables:
        return  # no benchmark was collected (e.g. a plain `pytest .`)
    terminalreporter.write_line("")
    for line in REPORT.render():
        terminalreporter.write_line(line)
