"""Pin this area distribution to the core distribution of the same version.

A hatchling metadata hook. Every area distribution carries this same file, so that its sdist builds
on its own: from the sdist, hatchling takes the version and the pin from PKG-INFO instead.
"""

from __future__ import annotations

from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface


class PinCoreHook(MetadataHookInterface):
    def update(self, metadata: dict[str, Any]) -> None:
        metadata["dependencies"] = [f"{self.config['core']}=={metadata['version']}"]
