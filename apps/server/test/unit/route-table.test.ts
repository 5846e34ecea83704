import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { collectRoutes } from '../../src/route-table.js';

describe('the route table', () => {
  it('refuses to start with a private route that declares no role, naming it', async () => {
    const app = Fastify();
    collectRoutes(app);
    app.get('/ok', { config: { role: 'viewer' } }, async () => 'ok');
    app.get('/open', { config: { access: 'public' } }, async () => 'open');
    app.post('/forgotten', async () => 'oops');
    await expect(app.ready()).rejects.toThrow(/must declare the least role.*POST \/forgotten$/);
  });

  it('records each route with its role and audit name, HEAD included, and sees a plugin declare its routes public', async () => {
    const app = Fastify();
    collectRoutes(app);
    app.post('/vms/:id/shares', { config: { role: 'operator', audit: 'share.attach' } }, async () => 'ok');
    app.get('/vms', { config: { role: 'viewer' } }, async () => []);
    // As the web files are made public: by the plugin's own onRoute hook, which runs after the table's.
    await app.register(async (web) => {
      web.addHook('onRoute', (route) => {
        route.config = { ...route.config, access: 'public' };
      });
      web.get('/index.html', async () => '<html>');
    });
    await app.ready();
    expect(app.routeTable).toEqual([
      { method: 'POST', url: '/vms/:id/shares', websocket: false, public: false, role: 'operator', audit: 'share.attach' },
      { method: 'GET', url: '/vms', websocket: false, public: false, role: 'viewer', audit: null },
      { method: 'HEAD', url: '/vms', websocket: false, public: false, role: 'viewer', audit: null },
      { method: 'GET', url: '/index.html', websocket: false, public: true, role: null, audit: null },
      { method: 'HEAD', url: '/index.html', websocket: false, public: true, role: null, audit: null },
    ]);
    await app.close();
  });
});
