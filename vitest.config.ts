import { configDefaults, defineConfig } from 'vitest/config';

// Tiers by folder: integration = packages/*/test/integration/ and apps/*/test/ (real QEMU, UML, bwrap, mounts); unit = the rest of packages/*/test/ and apps/*/test/unit/.
const INTEGRATION_IN_PACKAGES = 'packages/*/test/integration/**';
const UNIT_IN_APPS = 'apps/*/test/unit/**';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', `${UNIT_IN_APPS}/*.test.ts`],
          exclude: [...configDefaults.exclude, INTEGRATION_IN_PACKAGES],
          // Unit files never wait for a VM: a slow one is a bug, not a loaded machine.
          testTimeout: 10_000,
          // One module cache per worker instead of one per file: a quarter of the wall time. Unit files
          // therefore leave no global state behind (no vi.mock; restore timers and anything stubbed).
          isolate: false,
          // Runs before the integration group when both run at once (the groups differ in maxWorkers).
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: [`${INTEGRATION_IN_PACKAGES}/*.test.ts`, 'apps/*/test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, UNIT_IN_APPS],
          // Fails the tier loudly when a tool is missing, then builds the guest once for every file.
          globalSetup: ['apps/server/test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Integration files boot real VMs under TCG; two cores run two files at a time well.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
