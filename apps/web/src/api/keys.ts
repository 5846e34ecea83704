/** The one key factory: events and mutations invalidate through it. */
export const keys = {
  session: ['session'] as const,
  vms: ['vms'] as const,
  vm: (id: string) => ['vms', id] as const,
  vmLog: (id: string) => ['vms', id, 'log'] as const,
  vcpus: (id: string) => ['vms', id, 'vcpus'] as const,
  ubd: (id: string) => ['vms', id, 'ubd'] as const,
  cpuModels: ['host', 'cpu-models'] as const,
  images: ['images'] as const,
  mergePlan: (imageId: string) => ['images', imageId, 'merge-plan'] as const,
  jobs: ['jobs'] as const,
  job: (id: string) => ['jobs', id] as const,
  host: ['host'] as const,
  shares: ['shares'] as const,
  benchmarks: ['benchmarks'] as const,
  benchmark: (id: string) => ['benchmarks', id] as const,
  benchReference: ['bench-reference'] as const,
};
