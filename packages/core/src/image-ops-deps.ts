import type { JobService } from './job-service.js';
import type { EventSink, ImageFiles, ImageRepository, VmRepository } from './ports.js';

/** What image operations reach; in a file of its own so the operations' files do not import image-ops.ts back. */
export interface ImageOpsDeps {
  images: ImageRepository;
  files: ImageFiles;
  vms: VmRepository;
  events: EventSink;
  jobs: Pick<JobService, 'start' | 'onRecover'>;
  newId(): string;
  now(): string;
}
