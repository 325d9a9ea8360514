"""WCAG 2.1 AA where a test can see it: on every panel page each form control has a label (a
<label for>, or aria-label), the language is set, there is one <h1>, a skip link to the content,
tables have headers, and images and charts have a text alternative; the default colours keep 4.5:1."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

from tests.panel_helpers import PANEL, browser, csrf_of, sign_in
from tests.test_panel_dashboard import _event_with_attendance
from tests.test_review import submitted_application

CONTROLS = ("input", "select", "textarea")


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.labels: set[str] = set()
        self.h1 = 0
        self.lang = None
        self.svgs: list[dict] = []
        self.th = 0
        self.tables = 0
        self.links: list[str] = []
        self.in_label = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in CONTROLS and attrs.get("type") != "hidden":
            self.controls.append({**attrs, "inside_label": self.in_label > 0})
        elif tag == "label":
            self.in_label += 1
            if attrs.get("for"):
                self.labels.add(attrs["for"])
        elif tag == "h1":
            self.h1 += 1
        elif tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "svg" and attrs.get("role") == "img":
            self.svgs.append(attrs)
        elif tag == "th":
            self.th += 1
        elif tag == "table":
            self.tables += 1
        elif tag == "a":
            self.links.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "label":
            self.in_label -= 1


def unlabelled(page: Page) -> list[dict]:
    return [
        c for c in page.controls if c.get("id") not in page.labels and not c.get("aria-label") and not c["inside_label"]
    ]


async def test_every_page_labels_its_controls_and_names_its_parts(app, double, coordinator):
    volunteer = double.user(user_id=4501)
    await submitted_application(volunteer)
    application = await app.services.applications.latest(volunteer.id)
    await _event_with_attendance(app, volunteer.id, app.services.clock() - timedelta(hours=2), 2)
    async with browser(app) as client:
        await sign_in(client, coordinator)
        detail = await client.get(f"{PANEL}/applications/{application.id}")
        await client.post(PANEL + "/templates", data={"title": "T", "pl": "Tekst", "csrf": csrf_of(detail.text)})
        event_id = (await app.services.db.fetch_one("SELECT MAX(id) FROM events"))[0]
        paths = [
            "/applications",
            f"/applications/{application.id}",
            f"/applications/{application.id}/fix/county",
            f"/applications/{application.id}/fix/competences",
            "/people",
            f"/people/{volunteer.id}",
            "/hours",
            "/events",
            f"/events/{event_id}",
            "/dashboard",
            "/templates",
            "/import",
        ]
        for path in paths:
            answer = await client.get(PANEL + path)
            assert answer.status_code == 200, path
            page = Page()
            page.feed(answer.text)
            assert page.lang == "pl", path
            assert page.h1 == 1, path
            assert "#content" in page.links, path  # the skip link
            assert unlabelled(page) == [], (path, unlabelled(page))
            assert all(s.get("aria-labelledby") or s.get("aria-label") for s in page.svgs), path
            assert page.tables == 0 or page.th > 0, path
            assert 'style="' not in answer.text, path  # no inline styles: the CSP forbids them


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_default_colours_keep_four_and_a_half_to_one():
    from importlib import resources

    css = resources.files("bot.web").joinpath("static", "panel.css").read_text(encoding="utf-8")
    for block in re.findall(r":root \{([^}]*)\}", css):
        colours = dict(re.findall(r"--([\w-]+): (#[0-9a-f]{6})", block))
        for text, background in (
            ("text", "bg"),
            ("hint", "bg"),
            ("link", "bg"),
            ("button-text", "button"),
            ("ok", "bg"),
            ("problem", "bg"),
            ("text", "secondary-bg"),
            ("link", "secondary-bg"),
        ):
            assert _contrast(colours[text], colours[background]) >= 4.5, (text, background, colours)
        assert _contrast(colours["focus"], colours["bg"]) >= 3, colours  # a focus ring is not text
