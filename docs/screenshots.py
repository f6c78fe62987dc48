"""Regenerate docs/ui-chat.png, docs/ui-library.png and docs/ui-brief.png (1280x800) with headless Chromium.

    python docs/screenshots.py [--chromium /usr/bin/chromium]

Runs the workspace over a temporary index (the sample corpus plus a few short notes written here),
asks the seed question, opens citation [1], shows the library, then drafts the brief of the week.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

NOTES = {
    "grain-corridor.md": "# Grain corridor traffic rises\n\nPorts near Odesa handled 41 bulk carriers in the "
    "first week of November 2024, up from 33 a week earlier, the port authority said on 8 November 2024.\n",
    "power-grid.md": "# Repairs to the power grid\n\nEngineers restored power to 120,000 homes in the Kyiv region "
    "after the strikes of 2 November 2024; rolling outages continue in three districts.\n",
    "aid-package.md": "# New aid package announced\n\nThe United States announced a $425 million military aid "
    "package for Ukraine on 4 November 2024, including air-defence interceptors.\n",
}
QUESTION = "How many of the drones launched at Kyiv were intercepted?"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--out", type=Path, default=ROOT / "docs")
    args = p.parse_args()

    from playwright.sync_api import sync_playwright

    from assistant import Briefing
    from assistant.briefing import SAMPLE_DIR, SAMPLE_PUBLISHED
    from assistant.config import Settings
    from ui.app import launch

    with tempfile.TemporaryDirectory() as tmp:
        notes = Path(tmp) / "desk"
        notes.mkdir()
        for name, text in NOTES.items():
            (notes / name).write_text(text, encoding="utf-8")
        b = Briefing(Settings(data_dir=Path(tmp) / "data"))
        b.ingest([str(SAMPLE_DIR)], published=SAMPLE_PUBLISHED)
        b.ingest([str(notes)])
        b.ask(QUESTION)  # loads the models, so the latency in the picture is a warm one
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        demo = launch(b, port=port, block=False, say=lambda _line: None)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=args.chromium,
                    args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--no-first-run"],
                )  # fmt: skip
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.set_default_timeout(120_000)
                page.goto(f"http://127.0.0.1:{port}/")
                page.fill("#bf-question textarea", QUESTION)
                page.click("#bf-ask")
                page.locator("#bf-conversation .foot").wait_for()
                page.locator("#bf-conversation button.cite[data-n='1']").first.click()
                page.locator("#bf-panel mark.evidence").wait_for()
                page.wait_for_timeout(500)  # let the panel settle before the picture
                page.screenshot(path=str(args.out / "ui-chat.png"))
                page.get_by_role("tab", name="Library").click()
                page.fill("#bf-library-search textarea", "intercepted drones")
                page.keyboard.press("Enter")
                page.locator("#bf-hits li").first.wait_for()
                page.wait_for_timeout(500)
                page.screenshot(path=str(args.out / "ui-library.png"))
                page.get_by_role("tab", name="Briefs").click()
                page.locator("#bf-brief-since input").first.fill(SAMPLE_PUBLISHED)
                page.locator("#bf-brief-until input").first.fill("2024-11-08")
                page.locator("#bf-brief-draft").click()
                page.locator("#bf-brief a.cite").first.wait_for()
                page.wait_for_timeout(500)
                page.screenshot(path=str(args.out / "ui-brief.png"))
                browser.close()
        finally:
            demo.close()
    print(f"wrote ui-chat.png, ui-library.png and ui-brief.png in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
