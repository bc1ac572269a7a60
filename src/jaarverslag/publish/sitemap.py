"""robots.txt and sitemap.xml: search engines find every page readers should land on.

The sitemap needs absolute addresses, so it is written only when params/batch.yaml sets
site_url; robots.txt always allows everything and names the sitemap when there is one. The
one-page editions are left out: their chapters are pages of their own.
"""

from __future__ import annotations

from html import escape

from ..engine.layout import Layout
from ..files import write_changed


def write(layout: Layout, base_url: str | None) -> None:
    """Write robots.txt and (with base_url) sitemap.xml into the site, each only when its content changed."""
    site = layout.site
    robots = "User-agent: *\nAllow: /\n" + (f"Sitemap: {base_url}sitemap.xml\n" if base_url else "")
    files = {site / "robots.txt": robots}
    if base_url:
        pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                       if layout.search not in p.parents and not p.name.startswith("jaarverslag-"))
        entries = "".join(f"  <url><loc>{escape(base_url + page)}</loc></url>\n" for page in pages)
        files[site / "sitemap.xml"] = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                                       f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n')
    elif (site / "sitemap.xml").exists():
        (site / "sitemap.xml").unlink()
    for path, text in files.items():
        write_changed(path, text)
