import type { Accelerator, Hypervisor, Vm, VmCreate } from '@strata/contract';
import { StrataError, conflict, invalid, notFound } from './errors.js';
import { chainOf } from './image-chain.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { EventSink, HostProvider, HypervisorDriver, ImageFiles, ImageRepository, RunningVm, VmRepository } from './ports.js';
import type { ImageRecord, VmRecord } from './records.js';
import { assertAction, isActive } from './vm-state.js';
import { DEFAULT_CPU, DEFAULT_MEMORY_MIB, topologyWarnings, validateMemory, validateTopology, vcpuCount } from './vm-spec.js';

export interface VmServiceDeps {
  vms: VmRepository;
  images: ImageRepository;
  files: ImageFiles;
  drivers: Partial<Record<Hypervisor, HypervisorDriver>>;
  host: HostProvider;
  events: EventSink;
  vmDir(id: string): string;
  newId(): string;
  now(): string;
  defaultImage: string;
}

interface Live {
  handle: RunningVm;
  exited: Promise<void>;
}

export type VmService = ReturnType<typeof createVmService>;

export function createVmService(deps: VmServiceDeps) {
  const { vms, images, events } = deps;
  const lock = new KeyedMutex();
  const live = new Map<string, Live>();

  const toVm = async (r: VmRecord): Promise<Vm> => {
    const host = await deps.host.info();
    const limits = { logicalCpus: host.cpu.logicalCpus, memoryBytes: host.memory.totalBytes };
    const { stopRequested: _ignored, imageId, ...rest } = r;
    return { ...rest, image: imageId, vcpus: vcpuCount(r.cpu), warnings: topologyWarnings(r.cpu, limits) };
  };

  const publish = async (r: VmRecord): Promise<Vm> => {
    const vm = await toVm(r);
    events.emit({ type: 'vm.changed', vm });
    return vm;
  };

  const mustGet = (id: string): VmRecord => {
    const vm = vms.get(id);
    if (!vm) throw notFound('vm', id);
    return vm;
  };

  const driverFor = (vm: VmRecord): HypervisorDriver => {
    const driver = deps.drivers[vm.hypervisor];
    if (!driver) throw new StrataError('unavailable', 'hypervisor_unavailable', `no ${vm.hypervisor} driver on this host`);
    return driver;
  };

  const resolveImage = (ref: string): ImageRecord => {
    const image = images.get(ref) ?? images.findByName(ref).filter((i) => i.ownerVmId === null).at(-1);
    if (!image) throw invalid('body.image', `no image with id or name '${ref}'`, 'image_not_found');
    return image;
  };

  const pickAccelerator = async (vm: VmRecord): Promise<Accelerator> => {
    const { accelerator } = await deps.host.info();
    if (vm.accelerator === 'tcg') return 'tcg';
    if (vm.accelerator === 'kvm' && !accelerator.kvm.usable) {
      throw conflict('kvm_unusable', `this VM asks for KVM, but KVM is not usable here: ${accelerator.kvm.reason}`);
    }
    return vm.accelerator === 'kvm' ? 'kvm' : accelerator.selected;
  };

  const watch = (vm: VmRecord, handle: RunningVm): void => {
    let release!: () => void;
    const exited = new Promise<void>((r) => (release = r));
    live.set(vm.id, { handle, exited });
    handle.onExit((info) => {
      void (async () => {
        live.delete(vm.id);
        const current = vms.get(vm.id);
        if (current) {
          const clean = info.clean || current.stopRequested;
          const tail = clean ? [] : await handle.logTail(8);
          const lastError = clean ? null : [info.reason, ...tail].join('\n');
          await publish(vms.update(vm.id, { state: clean ? 'stopped' : 'crashed', pid: null, runningAccelerator: null, lastError }));
        }
        release();
      })();
    });
  };

  return {
    async list(): Promise<Vm[]> {
      return Promise.all(vms.list().map(toVm));
    },

    async get(id: string): Promise<Vm> {
      return toVm(mustGet(id));
    },

    async create(body: VmCreate): Promise<Vm> {
      const hypervisor = body.hypervisor ?? 'qemu';
      if (!deps.drivers[hypervisor]) throw invalid('body.hypervisor', `${hypervisor} VMs are not available on this server yet`);
      if (vms.findByName(body.name)) throw conflict('name_taken', `a VM named '${body.name}' exists already`);
      const cpu = body.cpu ?? DEFAULT_CPU;
      validateTopology(cpu);
      const host = await deps.host.info();
      const memoryMiB = body.memoryMiB ?? DEFAULT_MEMORY_MIB;
      validateMemory(memoryMiB, { logicalCpus: host.cpu.logicalCpus, memoryBytes: host.memory.totalBytes });
      const base = resolveImage(body.image ?? deps.defaultImage);
      if (base.format !== 'qcow2') throw invalid('body.image', `a QEMU VM needs a qcow2 base; '${base.name}' is ${base.format}`);

      const id = deps.newId();
      const topId = deps.newId();
      const overlay = await deps.files.createOverlay(base, topId);
      if (!base.protected) {
        await deps.files.protect(base.path);
        images.update(base.id, { protected: true });
      }
      images.insert({
        id: topId, name: `${body.name}-disk0`, path: overlay.path, format: 'qcow2', parentId: base.id,
        virtualSize: overlay.virtualSize, protected: false, ownerVmId: id, boot: null, createdAt: deps.now(),
      });
      const record: VmRecord = {
        id, name: body.name, hypervisor, state: 'defined', imageId: base.id, cpu, memoryMiB,
        accelerator: body.accelerator ?? 'auto', runningAccelerator: null,
        disks: [{ id: 'disk0', imageId: topId, bus: 'virtio' }], pid: null, stopRequested: false,
        lastError: null, createdAt: deps.now(), startedAt: null,
      };
      vms.insert(record);
      events.emit({ type: 'images.changed' });
      return publish(record);
    },

    async remove(id: string): Promise<void> {
      await lock.run(id, async () => {
        const vm = mustGet(id);
        assertAction('delete', vm.state);
        const all = images.list();
        const own = all.filter((i) => i.ownerVmId === id);
        const ownIds = new Set(own.map((i) => i.id));
        const dependent = all.find((i) => i.parentId && ownIds.has(i.parentId) && !ownIds.has(i.id));
        if (dependent) {
          throw conflict('image_in_use', `layer of this VM is the base of image '${dependent.name}'; delete or merge that first`);
        }
        for (const image of own) {
          await deps.files.removeFile(image.path);
          images.remove(image.id);
        }
        vms.remove(id);
        events.emit({ type: 'vm.deleted', id });
        events.emit({ type: 'images.changed' });
      });
    },

    async start(id: string): Promise<Vm> {
      return lock.run(id, async () => {
        const vm = mustGet(id);
        assertAction('start', vm.state);
        const driver = driverFor(vm);
        const accelerator = await pickAccelerator(vm);
        const byId = new Map(images.list().map((i) => [i.id, i]));
        const disks = vm.disks.map((disk) => {
          const chain = chainOf(disk.imageId, byId);
          const missing = chain.find((layer) => !deps.files.exists(layer.path));
          if (chain.length === 0 || missing) {
            throw conflict('image_missing', `disk ${disk.id}: layer file ${missing?.path ?? disk.imageId} is missing`);
          }
          const writers = vms.list().filter((o) => o.id !== id && isActive(o.state) && o.disks.some((d) => d.imageId === disk.imageId));
          if (writers.length > 0) {
            throw conflict('image_busy', `disk ${disk.id} is already written by running VM '${writers[0]!.name}'; two writers corrupt a file system`);
          }
          return { disk, chain };
        });
        const boot = disks[0]?.chain.map((l) => l.boot).find((b) => b !== null) ?? null;
        await publish(vms.update(id, { state: 'starting', stopRequested: false, lastError: null }));
        try {
          const handle = await driver.launch({
            vm, accelerator, boot, dir: deps.vmDir(id),
            disks: disks.map(({ disk, chain }) => ({ id: disk.id, path: chain[0]!.path, format: chain[0]!.format, bus: disk.bus })),
          });
          watch(vm, handle);
          return await publish(vms.update(id, { state: 'running', pid: handle.pid, runningAccelerator: accelerator, startedAt: deps.now() }));
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          await publish(vms.update(id, { state: 'stopped', pid: null, lastError: `start failed: ${message}` }));
          throw new StrataError('unavailable', 'start_failed', `the VM did not start: ${message}`);
        }
      });
    },

    async stop(id: string): Promise<Vm> {
      return lock.run(id, async () => {
        const vm = mustGet(id);
        assertAction('stop', vm.state);
        const entry = live.get(id);
        await publish(vms.update(id, { state: 'stopping', stopRequested: true }));
        if (entry) {
          await entry.handle.forceStop();
          await entry.exited;
        } else {
          await publish(vms.update(id, { state: 'stopped', pid: null, runningAccelerator: null }));
        }
        return toVm(mustGet(id));
      });
    },

    /** After a server restart: find every VM that was running and take control of it again. */
    async reattachAll(): Promise<void> {
      for (const vm of vms.list().filter((v) => isActive(v.state))) {
        const handle = await driverFor(vm).reattach(vm, deps.vmDir(vm.id));
        if (handle) {
          watch(vm, handle);
          if (vm.state !== 'running' && vm.state !== 'paused') await publish(vms.update(vm.id, { state: 'running', pid: handle.pid }));
          continue;
        }
        const tail = await driverFor(vm).logTail(deps.vmDir(vm.id), 8);
        const lastError = vm.stopRequested ? null : ['the VM exited while the server was not running', ...tail].join('\n');
        vms.update(vm.id, { state: vm.stopRequested ? 'stopped' : 'crashed', pid: null, runningAccelerator: null, lastError });
      }
    },

    async logTail(id: string, lines = 50): Promise<string[]> {
      const vm = mustGet(id);
      return driverFor(vm).logTail(deps.vmDir(vm.id), lines);
    },

    running(id: string): RunningVm | undefined {
      return live.get(id)?.handle;
    },

    detachAll(): void {
      for (const { handle } of live.values()) handle.detach();
      live.clear();
    },
  };
}
