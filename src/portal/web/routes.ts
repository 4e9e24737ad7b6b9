import { badInputOf } from '../../http/error-handler.js';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { html, sendHtml } from '../../http/html.js';
import { registerSecurityHeaders } from '../../http/security-headers.js';
import { allowFraming } from '../../http/frame.js';
import type { PortalDeps } from '../deps.js';
import { codePages } from './code-pages.js';
import { devOutboxPage } from './dev-outbox.js';
import { identityPages } from './identity-pages.js';
import { CSS_PATH } from './layout.js';
import { managePages } from './manage-pages.js';
import { registerPages } from './register-pages.js';
import { LANG_COOKIE } from './session.js';
import { startPage } from './start-page.js';
import { payPage } from '../pay/page.js';
import { portalCss } from './styles.js';
import { brandCss } from '../../brand/page.js';

const problem = {
  title: { bg: 'Възникна проблем', en: 'Sorry, there is a problem' },
  body: { bg: 'Опитайте отново след малко. Нищо от въведеното не е запазено.', en: 'Please try again later. Nothing you entered has been saved.' },
};

/** The server-rendered pages: no JavaScript, one question per page, Bulgarian with an English switch. */
export function webRoutes(deps: PortalDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    await app.register(cookie);
    await app.register(formbody, { bodyLimit: 16 * 1024 });
    await registerSecurityHeaders(app);
    // The utility's own site may embed these pages (PORTAL_FRAME_ANCESTORS); the API and the back office never.
    allowFraming(app, deps.config.http.frameAncestors);

    app.setErrorHandler((raw: Error & { statusCode?: number }, req, reply) => {
      const err = badInputOf(raw) ?? raw;
      const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? 400 : 500;
      if (status === 500) req.log.error({ err }, 'portal page failed');
      const lang = req.cookies?.[LANG_COOKIE] === 'en' ? 'en' : 'bg';
      const page = html`<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${problem.title[lang]}</title><link rel="stylesheet" href="${CSS_PATH}"></head>
<body><div class="wrap"><main id="main-content"><h1>${problem.title[lang]}</h1><p>${problem.body[lang]}</p><p><a href="/">${lang === 'bg' ? 'Начална страница' : 'Home page'}</a></p></main></div></body></html>`;
      return sendHtml(reply, status, page);
    });

    const css = brandCss(deps.config.brand) + portalCss;
    app.get(CSS_PATH, async (_req, reply) => reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(css));

    startPage(app, deps);
    identityPages(app, deps);
    registerPages(app, deps);
    codePages(app, deps);
    managePages(app, deps);
    devOutboxPage(app, deps);
    payPage(app, deps);
  };
}
