import type { Pinning, VcpuInfo, Vm, VmCreate, VmPatch } from '@strata/contract';
import { StrataError, conflict, invalid } from './errors.js';
import type { VmRecord } from './records.js';
import { createCowLayer, createLayer } from './layers.js';
import type { VmContext } from './vm-context.js';
import { DEFAULT_BOOT, DEFAULT_NETWORK, DEFAULT_PINNING, DEFAULT_SHUTDOWN_TIMEOUT_SEC } from './vm-defaults.js';
import { assertAction, isActive } from './vm-state.js';
import {
  DEFAULT_CPU,
  DEFAULT_MEMORY_MIB,
  validateForwards,
  validateMemory,
  validatePinning,
  validateTopology,
  validateVcpus,
  vcpuCount,
} from './vm-spec.js';

const LIVE_FIELDS = new Set(['vcpus', 'balloonMiB']);

export function createVmConfig(ctx: VmContext) {
  const { deps, lock, publish, mustGet, toVm, applyPinning } = ctx;
  const { vms, images } = deps;

  const hostLimits = async () => {
    const host = await deps.host.info();
    return { logicalCpus: host.cpu.logicalCpus, memoryBytes: host.memory.totalBytes, kvmUsable: host.accelerator.kvm.usable };
  };

  const validateCpuModel = async (model: string | null | undefined, field: string): Promise<void> => {
    if (model === null || model === undefined) return;
    const { kvmUsable } = await hostLimits();
    if (model === 'host' && !kvmUsable) throw invalid(field, "the 'host' CPU model needs KVM, which is not usable on this host");
    if (!(await deps.host.cpuModels()).includes(model))
      throw invalid(field, `QEMU here knows no CPU model '${model}' (see GET /api/v1/host/cpu-models)`);
  };

  const validateCdrom = (ref: string | null | undefined, field: string): void => {
    if (ref === null || ref === undefined) return;
    const image = images.get(ref);
    if (!image) throw invalid(field, `no image with id '${ref}'`);
    if (image.format !== 'raw') throw invalid(field, `a CD-ROM holds a raw image (an ISO); '${image.name}' is ${image.format}`);
  };

  const resolveImage = (ref: string) => {
    const image =
      images.get(ref) ??
      images
        .findByName(ref)
        .filter((i) => i.ownerVmId === null)
        .at(-1);
    if (!image) throw invalid('body.image', `no image with id or name '${ref}'`, 'image_not_found');
    return image;
  };

  const validateRootShare = (id: string | null | undefined, field: string): void => {
    if (id === null || id === undefined) return;
    if (!deps.shares.get(id)) throw invalid(field, `no share with id '${id}'`);
  };

  const validateMemoryDir = (dir: string | null | undefined, field: string): void => {
    if (dir === null || dir === undefined) return;
    if (!dir.startsWith('/') || dir.includes('\0') || dir.split('/').includes('..'))
      throw invalid(field, 'must be an absolute path without ..');
    let isDir = false;
    try {
      isDir = deps.pathFs.isDirectory(dir);
    } catch {
      isDir = false;
    }
    if (!isDir) throw invalid(field, `${dir} is not an existing directory`);
  };

  /**
   * UML (seed 000): uniprocessor, no network or CD-ROM, the raw base under a COW file that UML
   * makes on first use. Refused fields say why instead of being ignored.
   */
  const createUml = async (body: VmCreate): Promise<Vm> => {
    if (body.cpu && vcpuCount(body.cpu) !== 1) throw invalid('body.cpu', 'UML is uniprocessor: it runs one vCPU');
    if (body.vcpus !== undefined && body.vcpus !== 1) throw invalid('body.vcpus', 'UML is uniprocessor: it runs one vCPU');
    if (body.cpuModel) throw invalid('body.cpuModel', 'UML runs on the host CPU; there is no CPU model to choose');
    if (body.cdrom) throw invalid('body.cdrom', 'UML VMs have no CD-ROM drive');
    if (body.accelerator && body.accelerator !== 'auto')
      throw invalid('body.accelerator', 'UML needs no accelerator: it is a Linux kernel running as host processes');
    if (body.network && body.network.mode !== 'none') throw invalid('body.network', 'UML networking is not offered; use mode none');
    const memoryMiB = body.memoryMiB ?? DEFAULT_MEMORY_MIB;
    validateMemory(memoryMiB, await hostLimits());
    validateMemoryDir(body.umlMemoryDir, 'body.umlMemoryDir');
    validateRootShare(body.umlRootShareId, 'body.umlRootShareId');
    const base = resolveImage(body.image ?? `${deps.defaultImage}-raw`);
    if (base.format !== 'raw')
      throw invalid('body.image', `a UML VM needs a raw base (a COW's backing must be a plain file); '${base.name}' is ${base.format}`);
    const id = deps.newId();
    const top = await createCowLayer(deps, base, {
      name: `${body.name}-disk0`,
      ownerVmId: id,
      path: (layerId) => `${deps.vmDir(id)}/disks/${layerId}.cow`,
    });
    const record: VmRecord = {
      id,
      name: body.name,
      hypervisor: 'uml',
      state: 'defined',
      imageId: base.id,
      cpu: { sockets: 1, cores: 1, threads: 1 },
      vcpus: 1,
      cpuModel: null,
      pinning: DEFAULT_PINNING,
      memoryMiB,
      balloonMiB: null,
      accelerator: 'auto',
      runningAccelerator: null,
      disks: [{ id: 'disk0', imageId: top.id, bus: 'virtio' }],
      shares: [],
      cdrom: null,
      network: { mode: 'none', forwards: [] },
      boot: DEFAULT_BOOT,
      shutdownTimeoutSec: body.shutdownTimeoutSec ?? DEFAULT_SHUTDOWN_TIMEOUT_SEC,
      shutdownDeadline: null,
      umlMemoryDir: body.umlMemoryDir ?? null,
      umlRootShareId: body.umlRootShareId ?? null,
      pid: null,
      stopRequested: false,
      lastError: null,
      createdAt: deps.now(),
      startedAt: null,
    };
    vms.insert(record);
    deps.events.emit({ type: 'images.changed' });
    return publish(record);
  };

  return {
    async create(body: VmCreate): Promise<Vm> {
      const hypervisor = body.hypervisor ?? 'qemu';
      if (!deps.drivers[hypervisor]) throw invalid('body.hypervisor', `${hypervisor} VMs are not available on this server yet`);
      if (vms.findByName(body.name)) throw conflict('name_taken', `a VM named '${body.name}' exists already`);
      if (hypervisor === 'uml') return createUml(body);
      const cpu = body.cpu ?? DEFAULT_CPU;
      validateTopology(cpu);
      const vcpus = body.vcpus ?? vcpuCount(cpu);
      validateVcpus(vcpus, cpu);
      const memoryMiB = body.memoryMiB ?? DEFAULT_MEMORY_MIB;
      validateMemory(memoryMiB, await hostLimits());
      await validateCpuModel(body.cpuModel, 'body.cpuModel');
      validateCdrom(body.cdrom, 'body.cdrom');
      const network = body.network ?? DEFAULT_NETWORK;
      validateForwards(network.forwards);
      const base = resolveImage(body.image ?? deps.defaultImage);
      if (base.format !== 'qcow2') throw invalid('body.image', `a QEMU VM needs a qcow2 base; '${base.name}' is ${base.format}`);

      const id = deps.newId();
      const top = await createLayer(deps, base, { name: `${body.name}-disk0`, ownerVmId: id });
      const topId = top.id;
      const record: VmRecord = {
        id,
        name: body.name,
        hypervisor,
        state: 'defined',
        imageId: base.id,
        cpu,
        vcpus,
        cpuModel: body.cpuModel ?? null,
        pinning: DEFAULT_PINNING,
        memoryMiB,
        balloonMiB: null,
        accelerator: body.accelerator ?? 'auto',
        runningAccelerator: null,
        disks: [{ id: 'disk0', imageId: topId, bus: body.diskBus ?? 'virtio' }],
        shares: [],
        cdrom: body.cdrom ?? null,
        network,
        boot: body.boot ?? DEFAULT_BOOT,
        shutdownTimeoutSec: body.shutdownTimeoutSec ?? DEFAULT_SHUTDOWN_TIMEOUT_SEC,
        shutdownDeadline: null,
        umlMemoryDir: null,
        umlRootShareId: null,
        pid: null,
        stopRequested: false,
        lastError: null,
        createdAt: deps.now(),
        startedAt: null,
      };
      vms.insert(record);
      deps.events.emit({ type: 'images.changed' });
      return publish(record);
    },

    /** Everything changes while stopped; while running only what QEMU can change live. */
    async update(id: string, patch: VmPatch): Promise<Vm> {
      return lock.run(id, async () => {
        const vm = mustGet(id);
        const running = isActive(vm.state);
        if (running) {
          assertAction('edit live', vm.state);
          const offline = Object.keys(patch).find((k) => !LIVE_FIELDS.has(k));
          if (offline)
            throw new StrataError('conflict', 'requires_stop', `${offline} can only change while the VM is stopped`, `body.${offline}`);
        }
        if (patch.name !== undefined && patch.name !== vm.name && vms.findByName(patch.name)) {
          throw conflict('name_taken', `a VM named '${patch.name}' exists already`);
        }
        if (vm.hypervisor === 'uml') {
          const notUml = (['cpu', 'vcpus', 'cpuModel', 'balloonMiB', 'accelerator', 'cdrom', 'network', 'disks'] as const).find(
            (f) => patch[f] !== undefined,
          );
          if (notUml) throw invalid(`body.${notUml}`, `UML VMs have no ${notUml} to change (uniprocessor, no balloon, network or CD-ROM)`);
        } else if (patch.umlMemoryDir !== undefined || patch.umlRootShareId !== undefined) {
          throw invalid(patch.umlMemoryDir !== undefined ? 'body.umlMemoryDir' : 'body.umlRootShareId', 'only UML VMs have this');
        }
        validateMemoryDir(patch.umlMemoryDir, 'body.umlMemoryDir');
        validateRootShare(patch.umlRootShareId, 'body.umlRootShareId');
        const cpu = patch.cpu ?? vm.cpu;
        validateTopology(cpu);
        const vcpus = patch.vcpus ?? (patch.cpu ? vcpuCount(cpu) : vm.vcpus);
        validateVcpus(vcpus, cpu);
        const limits = await hostLimits();
        const memoryMiB = patch.memoryMiB ?? vm.memoryMiB;
        if (patch.memoryMiB !== undefined) validateMemory(memoryMiB, limits);
        const balloonMiB = patch.balloonMiB === undefined ? vm.balloonMiB : patch.balloonMiB;
        if (balloonMiB !== null && balloonMiB > memoryMiB)
          throw invalid('body.balloonMiB', `the balloon target ${balloonMiB} MiB is more than the VM's ${memoryMiB} MiB`);
        await validateCpuModel(patch.cpuModel, 'body.cpuModel');
        if (patch.network) validateForwards(patch.network.forwards);
        validateCdrom(patch.cdrom, 'body.cdrom');
        const disks = vm.disks.map((d) => ({ ...d }));
        patch.disks?.forEach((change, i) => {
          const disk = disks.find((d) => d.id === change.id);
          if (!disk) throw invalid(`body.disks.${i}.id`, `this VM has no disk '${change.id}'`);
          disk.bus = change.bus;
        });
        if (running && vcpus < vm.vcpus) {
          throw new StrataError(
            'conflict',
            'requires_stop',
            'vCPUs can be plugged in while running, not taken out: stop the VM to lower vcpus',
            'body.vcpus',
          );
        }
        const pinning = { ...vm.pinning, vcpus: vm.pinning.vcpus.filter((p) => p.index < vcpuCount(cpu)) };
        const next: Partial<VmRecord> = {
          ...(patch.name !== undefined && { name: patch.name }),
          cpu,
          vcpus,
          memoryMiB,
          balloonMiB,
          pinning,
          disks,
          ...(patch.cpuModel !== undefined && { cpuModel: patch.cpuModel }),
          ...(patch.accelerator !== undefined && { accelerator: patch.accelerator }),
          ...(patch.network !== undefined && { network: patch.network }),
          ...(patch.cdrom !== undefined && { cdrom: patch.cdrom }),
          ...(patch.boot !== undefined && { boot: patch.boot }),
          ...(patch.shutdownTimeoutSec !== undefined && { shutdownTimeoutSec: patch.shutdownTimeoutSec }),
          ...(patch.umlMemoryDir !== undefined && { umlMemoryDir: patch.umlMemoryDir }),
          ...(patch.umlRootShareId !== undefined && { umlRootShareId: patch.umlRootShareId }),
        };
        if (running) {
          const { handle } = ctx.liveOf(vm);
          if (vcpus > vm.vcpus) {
            await handle.hotplugVcpus(vcpus);
            await applyPinning({ ...vm, pinning }, handle);
          }
          if (patch.balloonMiB !== undefined) await handle.setBalloon((balloonMiB ?? memoryMiB) * 1048576);
        }
        return publish(vms.update(id, next));
      });
    },

    async setPinning(id: string, body: Pinning): Promise<VcpuInfo[]> {
      await lock.run(id, async () => {
        const vm = mustGet(id);
        assertAction('pin', vm.state);
        validatePinning(body.vcpus, vcpuCount(vm.cpu), (await hostLimits()).logicalCpus, body.emulatorCpus);
        const updated = vms.update(id, { pinning: { vcpus: body.vcpus, emulatorCpus: body.emulatorCpus ?? null } });
        const entry = ctx.live.get(id);
        if (entry) await applyPinning(updated, entry.handle);
        await publish(updated);
      });
      return this.vcpus(id);
    },

    /** Each online vCPU's thread, its allowed host CPUs, and the CPU it last ran on. */
    async vcpus(id: string): Promise<VcpuInfo[]> {
      mustGet(id);
      const entry = ctx.live.get(id);
      if (!entry) return [];
      const threads = await entry.handle.vcpuThreads();
      return threads.map((t) => ({ index: t.index, threadId: t.threadId, ...deps.affinity.get(entry.handle.pid, t.threadId) }));
    },

    async get(id: string): Promise<Vm> {
      return toVm(mustGet(id));
    },
  };
}
