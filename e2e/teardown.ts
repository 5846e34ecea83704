import { e2eDataDir } from './env.mjs';
import { killAll, unmountAll } from './processes.mjs';

/** VMs outlive the server by design; the suite must not leave its own behind. */
export default function teardown(): void {
  killAll(`${e2eDataDir}/`);
  unmountAll(`${e2eDataDir}/`);
}
