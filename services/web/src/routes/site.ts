import { join } from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import type { SiteConfig } from '../site-config.js';

/** Vite writes content-hashed files here: a new build gets new names, so they never change. */
export const ASSETS_PATH = '/assets/';

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html, config.json and unhashed files: the browser revalidates every time, so a deploy shows at once. */
const REVALIDATE = 'no-cache';

/** A client route the app renders itself: a page request (HTML wanted) for a path that is not a file. */
function isPageRequest(req: Request): boolean {
  const wantsHtml = (req.get('accept') ?? '').split(',').some((type) => type.trim().startsWith('text/html'));
  const lastSegment = req.path.slice(req.path.lastIndexOf('/') + 1);
  return wantsHtml && !req.path.startsWith(ASSETS_PATH) && !lastSegment.includes('.');
}

/**
 * The built single-page app: hashed assets cached for a year, index.html for `/` and for every
 * client route (`/orders/…`) that a browser asks for as a page; any other unknown path falls
 * through to the service's 404.
 */
export function siteRouter(staticDir: string, site: SiteConfig): Router {
  const router = Router();
  const sendIndex = (_req: Request, res: Response): void => {
    res.setHeader('cache-control', REVALIDATE);
    res.sendFile(join(staticDir, 'index.html'));
  };

  router.get('/config.json', (_req, res) => {
    res.setHeader('cache-control', REVALIDATE);
    res.json(site);
  });
  router.get('/', sendIndex);
  router.use(
    express.static(staticDir, {
      index: false,
      redirect: false,
      setHeaders(res, path) {
        res.setHeader('cache-control', path.includes(`${ASSETS_PATH.slice(0, -1)}/`) ? IMMUTABLE : REVALIDATE);
      },
    }),
  );
  router.get(/.*/, (req, res, next) => (isPageRequest(req) ? sendIndex(req, res) : next()));
  return router;
}
