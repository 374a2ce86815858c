"""First paint and load of pages on a slow phone: Debian's Chromium at 360 px, 150 ms round trip, 1.6 Mbps down,
CPU slowed four times (Chrome DevTools Protocol: Network.emulateNetworkConditions, Emulation.setCPUThrottlingRate).

Used by page_weight_and_speed.py (step 8). Each page is opened twice in a fresh browser profile: "cold" is the very
first visit (nothing cached, no service worker); "warm" opens it again once the service worker has installed and
the static files are cached, as a returning parent or teacher would. Each figure is the median of --phone-runs.
The requests and bytes are those made before the load event (resource timing: transferSize, headers included).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from statistics import median

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
RTT_MS = 150
DOWN_BYTES_PER_S = 1_600_000 / 8
UP_BYTES_PER_S = 750_000 / 8
CPU_SLOWDOWN = 4
PAINT_TARGET_S = 0.45
LOAD_TARGET_S = 0.6

TIMING_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByType("paint").find((p) => p.name === "first-paint");
  const resources = performance.getEntriesByType("resource").filter((r) => r.startTime < nav.loadEventEnd);
  return {
    paint: paint ? paint.startTime : null,
    fcp: (performance.getEntriesByType("paint").find((p) => p.name === "first-contentful-paint") || {}).startTime,
    load: nav.loadEventEnd,
    requests: 1 + resources.length,
    bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    html: nav.transferSize,
  };
}"""


@dataclass
class PhonePage:
    label: str
    url: str
    cookies: dict[str, str]


@dataclass
class PhoneResult:
    label: str
    cold_paint: float
    cold_load: float
    warm_paint: float
    warm_load: float
    requests: int
    bytes: int
    html: int


async def _open(context, url: str) -> dict:
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": RTT_MS, "downloadThroughput": DOWN_BYTES_PER_S,
        "uploadThroughput": UP_BYTES_PER_S})
    await cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    response = await page.goto(url, wait_until="load")
    if response is None or response.status != 200:
        raise SystemExit(f"{url} gave {response.status if response else 'no response'} on the slow phone")
    # loadEventEnd is set just after the load event's handlers ran; a tiny page may paint after its load. Polled
    # with evaluate(): wait_for_function() compiles its test in the page, which the page's CSP (no eval) refuses.
    for _ in range(200):
        if await page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0"
                               " && performance.getEntriesByType('paint').length > 0"):
            break
        await asyncio.sleep(0.05)
    figures = await page.evaluate(TIMING_JS)
    await page.close()
    return figures


async def _measure(browser, base_url: str, target: PhonePage) -> dict:
    context = await browser.new_context(viewport={"width": 360, "height": 640}, locale="th-TH")
    try:
        host = base_url.split("//", 1)[1].split(":")[0]
        await context.add_cookies([{"name": k, "value": v, "domain": host, "path": "/"}
                                   for k, v in target.cookies.items()])
        cold = await _open(context, base_url + target.url)
        # Let the service worker install and take the static files, as it does while the phone reads the page.
        page = await context.new_page()
        await page.goto(base_url + target.url, wait_until="load")
        await page.evaluate("""async () => {
            const wait = (ms) => new Promise((ok) => setTimeout(ok, ms));
            // The hello-world has no service worker: ready would never settle.
            if (navigator.serviceWorker) await Promise.race([navigator.serviceWorker.ready, wait(5000)]);
            await wait(300); }""")
        await page.close()
        warm = await _open(context, base_url + target.url)
        return {"cold": cold, "warm": warm}
    finally:
        await context.close()


async def measure(base_url: str, pages: list[PhonePage], runs: int) -> list[PhoneResult]:
    from playwright.async_api import async_playwright

    results = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for target in pages:
                samples = [await _measure(browser, base_url, target) for _ in range(runs)]
                cold = [s["cold"] for s in samples]
                warm = [s["warm"] for s in samples]
                results.append(PhoneResult(
                    label=target.label,
                    cold_paint=median(c["paint"] for c in cold) / 1000,
                    cold_load=median(c["load"] for c in cold) / 1000,
                    warm_paint=median(w["paint"] for w in warm) / 1000,
                    warm_load=median(w["load"] for w in warm) / 1000,
                    requests=cold[0]["requests"], bytes=int(median(c["bytes"] for c in cold)),
                    html=int(median(c["html"] for c in cold))))
        finally:
            await browser.close()
    return results


def print_results(results: list[PhoneResult]) -> None:
    print(f"  {'page':<34} {'cold paint':>10} {'cold load':>10} {'warm paint':>10} {'warm load':>10}"
          f" {'req':>4} {'bytes':>8} {'HTML':>7}")
    for r in results:
        ok = r.cold_paint <= PAINT_TARGET_S and r.warm_paint <= PAINT_TARGET_S and max(
            r.cold_load, r.warm_load) <= LOAD_TARGET_S
        print(f"  {r.label:<34} {r.cold_paint:9.3f}s {r.cold_load:9.3f}s {r.warm_paint:9.3f}s {r.warm_load:9.3f}s"
              f" {r.requests:>4} {r.bytes:>8,} {r.html:>7,}  {'OK' if ok else 'MISSED'}")
    print(f"  targets: first paint <= {PAINT_TARGET_S} s, load <= {LOAD_TARGET_S} s (cold and warm); "
          f"bytes and requests are the cold load's, headers included")


def run(base_url: str, pages: list[PhonePage], runs: int) -> list[PhoneResult]:
    return asyncio.run(measure(base_url, pages, runs))
