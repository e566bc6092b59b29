// Drives e2e/browser/phone.html in headless Chromium for
// e2e/ws_browser_test.go: node run.js PAGE_URL SCREENSHOT_DIR TIMEOUT_MS
// Prints "STATE <state>" lines as the phone changes state, saves
// screenshots (in-call.png, final.png) and exits 0 once the call ended.
const path = require('path');
const { chromium } = require('playwright-core');

const [pageURL, shotDir, timeoutArg] = process.argv.slice(2);
const timeout = Number(timeoutArg || 60000);

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // The wss certificate is the test's own.
      '--ignore-certificate-errors',
      // Microphone: a fake device, no permission prompt.
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    ],
  });
  let code = 1;
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
    page.on('console', (m) => console.log('page: ' + m.text()));
    page.on('pageerror', (e) => console.log('page error: ' + e.message));
    await page.goto(pageURL);
    let last = '';
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      const s = await page.evaluate(() => window.phoneState);
      if (s !== last) {
        console.log('STATE ' + s);
        last = s;
        if (s === 'in call') {
          await page.screenshot({ path: path.join(shotDir, 'in-call.png') });
        }
        if (s === 'ended' || s === 'failed') {
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await page.screenshot({ path: path.join(shotDir, 'final.png') });
    code = last === 'ended' ? 0 : 1;
  } finally {
    await browser.close();
  }
  process.exit(code);
})().catch((e) => {
  console.log('run.js: ' + e.stack);
  process.exit(2);
});
