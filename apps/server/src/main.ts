import { loadConfig } from './config.js';
import { buildApp } from './app.js';

const config = loadConfig();
const app = await buildApp(config, { logger: true });
await app.listen({ host: config.host, port: config.port });
const shown = config.host.includes(':') ? `[${config.host}]` : config.host;
console.log(`[strata] serving at http://${shown}:${config.port}/ (data in ${config.dataDir})`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    console.log(`[strata] ${signal}: closing; running VMs keep running and are reattached at the next start`);
    void app.close().then(() => process.exit(0));
  });
}
