"""`/docs`: the OpenAPI viewer, served from a pinned copy in this package, never from a CDN."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.static_files import create_static_files_router

ASSETS = Path(__file__).with_name("docs_assets")
ASSETS_PATH = "/docs-assets"
# @scalar/api-reference's standalone bundle, pinned: its source and licence are beside it.
SCALAR_JS = "scalar-api-reference-1.76.4.js"


def openapi_config(title: str, version: str) -> OpenAPIConfig:
    """The OpenAPI schema at `/docs/openapi.json` and the Scalar viewer at `/docs`.

    Litestar's plugin defaults load the viewer's script, a stylesheet and a favicon from CDNs
    at their latest versions; here all three are local (no favicon) and the fonts Scalar would
    fetch are turned off.
    """
    viewer = ScalarRenderPlugin(
        js_url=f"{ASSETS_PATH}/{SCALAR_JS}", css_url=f"{ASSETS_PATH}/docs.css", favicon="",
        path="/", options={"withDefaultFonts": False})
    return OpenAPIConfig(title=title, version=version, path="/docs", render_plugins=[viewer])


def assets_router() -> Router:
    """The viewer's files; their names carry their versions, so browsers may keep them a day."""
    return create_static_files_router(
        path=ASSETS_PATH, directories=[ASSETS], name="docs-assets",
        cache_control=CacheControlHeader(max_age=86400, public=True))
