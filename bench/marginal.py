"""What each library costs the worker's cold start on top of everything else it loads.

For a group of modules (a library, or part of one), a fresh interpreter imports every other module of the worker
first, in the worker's order, with the group's imports refused (a module that needs the group at import is left
out), and then times importing the group alone. The result is that group's marginal cost: what the worker
would save without it, all else equal. The collector is held first, as the worker holds it.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

# The libraries the queue worker sends its first reminder with, beyond botocore and urllib3 (which `import boto3`
# and any AWS call need) and Kindly's own modules (the libraries-only case measures those).
GROUPS: dict[str, tuple[str, ...]] = {
    "jinja2": ("jinja2", "markupsafe"),
    "pynamodb": ("pynamodb", "blinker"),
    "xray_sdk_and_wrapt": ("aws_xray_sdk", "wrapt"),
    "babel": ("babel",),
    "email_mime_builder": ("email.generator", "email._header_value_parser", "email.headerregistry",
                           "email.contentmanager", "email.policy"),
}

_PROBE = """
import builtins, sys, time
import chalicelib  # holds the collector, as in the worker
others, group = {others!r}, {group!r}
refused = {prefixes!r}
load = builtins.__import__

def refusing(name, *args, **kwargs):
    if any(name == prefix or name.startswith(prefix + ".") for prefix in refused):
        raise ImportError(name)
    return load(name, *args, **kwargs)

builtins.__import__ = refusing
for module in others:
    try:
        load(module)
    except Exception:
        sys.modules.pop(module, None)
builtins.__import__ = load
started = time.perf_counter()
for module in group:
    load(module)
print(time.perf_counter() - started)
"""


def belongs(module: str, packages: tuple[str, ...]) -> bool:
    """The module is one of the packages or inside one."""
    return any(module == package or module.startswith(package + ".") for package in packages)


def marginal_ms(modules: list[str], env: dict[str, str], root: Path, repeats: int = 7) -> dict[str, float]:
    """Each group's median marginal import time, in ms; groups the worker does not load are left out."""
    found: dict[str, float] = {}
    for name, prefixes in GROUPS.items():
        group = [m for m in modules if belongs(m, prefixes)]
        if not group:
            continue
        others = [m for m in modules if m not in group]
        probe = _PROBE.format(others=others, group=group, prefixes=prefixes)
        runs = [float(subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, capture_output=True,
                                     text=True, check=True).stdout.split()[-1])
                for _ in range(repeats + 1)][1:]  # the first run fills the file cache
        found[name] = round(statistics.median(runs) * 1000, 1)
    return found
