"""A Litestar hello-world Jinja page: the yardstick for benchmarks/page_weight_and_speed.py.

One route, "/", renders a small template listing 20 items through Litestar's TemplateConfig and
JinjaTemplateEngine, with the same gzip CompressionConfig as Doolae (so a request that sends
Accept-Encoding: gzip pays the same compression cost on both). No database, no middleware.

    .venv/bin/python -m uvicorn benchmarks.hello_app:create_app --factory --port 8001 --no-access-log
"""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar, get
from litestar.config.compression import CompressionConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

HERE = Path(__file__).resolve().parent
ITEMS = [{"name": f"รายการที่ {n}", "note": f"item number {n}"} for n in range(1, 21)]


@get("/")
async def index() -> Template:
    return Template(template_name="hello.html", context={"title": "สวัสดี", "items": ITEMS})


def create_app() -> Litestar:
    return Litestar(
        route_handlers=[index],
        template_config=TemplateConfig(directory=HERE / "hello_templates", engine=JinjaTemplateEngine),
        compression_config=CompressionConfig(backend="gzip", gzip_compress_level=9, minimum_size=500),
        debug=False,
    )


app = create_app()
