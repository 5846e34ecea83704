import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    globalSetup: ['apps/server/test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration files boot real VMs under TCG; two cores run two files at a time well.
    maxWorkers: 2,
  },
});
