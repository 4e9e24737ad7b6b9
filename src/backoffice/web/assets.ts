// Static files of the back office, from our own origin: the stylesheet, Chart.js as shipped in
// node_modules (no CDN), and the dashboard's small script.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BASE } from './context.js';
import { get, type BackofficeRoute } from './route.js';
import { dashboardJs } from './dashboard-script.js';
import { backofficeCss } from './styles.js';
import { brandCss } from '../../brand/page.js';

// chart.js exports no path to its UMD build; it sits beside the CommonJS entry.
const chartJsPath = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
let chartJs: string | undefined;

export const ASSETS = `${BASE}/assets`;

export const assetRoutes: BackofficeRoute[] = [
  get(`${ASSETS}/backoffice.css`, 'public', async (c) => c.reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(brandCss(c.deps.config.brand) + backofficeCss)),
  get(`${ASSETS}/chart.umd.min.js`, 'public', async (c) => {
    chartJs ??= readFileSync(chartJsPath, 'utf8');
    return c.reply.header('cache-control', 'public, max-age=86400').type('text/javascript; charset=utf-8').send(chartJs);
  }),
  get(`${ASSETS}/dashboard.js`, 'public', async (c) => c.reply.header('cache-control', 'public, max-age=3600').type('text/javascript; charset=utf-8').send(dashboardJs)),
];
