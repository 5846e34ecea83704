import { describe, expect, it } from 'vitest';
import { errorText, fieldLabel, humanizeSizes } from '../../src/shared/error-text';

const schema = (field: string, reason: string) => errorText({ message: `${field} ${reason}`, field });

describe('errorText: schema refusals in words', () => {
  it('names memory by its label and its limits in binary units', () => {
    expect(schema('body.memoryMiB', 'must be <= 1048576')).toBe('Memory must be at most 1 TiB.');
    expect(schema('body.memoryMiB', 'must be at least 64 MiB: less is too little for the guest kernel')).toBe(
      'Memory must be at least 64 MiB: less is too little for the guest kernel.',
    );
    expect(schema('body.balloonMiB', 'must be >= 64')).toBe('Balloon target must be at least 64 MiB.');
    expect(schema('body.sizeMiB', 'must be <= 65536')).toBe('Size must be at most 64 GiB.');
  });

  it('says byte fields in binary units', () => {
    expect(schema('body.sizeBytes', 'must be >= 1048576')).toBe('Size must be at least 1 MiB.');
    expect(schema('body.sizeBytes', 'must be <= 17592186044416')).toBe('Size must be at most 16 TiB.');
    expect(schema('body.clusterSize', 'must be >= 512')).toBe('Cluster size must be at least 512 B.');
    expect(schema('body.clusterSize', 'must be <= 2097152')).toBe('Cluster size must be at most 2 MiB.');
    expect(schema('body.options.msize', 'must be integer')).toBe('msize must be a whole number.');
  });

  it('says seconds, counts and ports as numbers people read', () => {
    expect(schema('body.shutdownTimeoutSec', 'must be <= 3600')).toBe('Shutdown timeout must be at most 1 hour.');
    expect(schema('body.shutdownTimeoutSec', 'must be >= 5')).toBe('Shutdown timeout must be at least 5 seconds.');
    expect(schema('body.cpu.cores', 'must be <= 64')).toBe('Cores must be at most 64.');
    expect(schema('body.cpu.sockets', 'must be >= 1')).toBe('Sockets must be at least 1.');
    expect(schema('body.cpu.threads', 'must be integer')).toBe('Threads must be a whole number.');
    expect(schema('body.vcpus', 'must be <= 64')).toBe('vCPUs must be at most 64.');
    expect(schema('body.network.forwards.0.hostPort', 'must be <= 65535')).toBe('Host port must be at most 65535.');
    expect(schema('body.network.forwards.3.guestPort', 'must be >= 1')).toBe('Guest port must be at least 1.');
    expect(schema('body.vcpus.0.index', 'must be <= 63')).toBe('vCPU must be at most 63.');
  });

  it('says lengths, patterns, choices and lists in words', () => {
    expect(schema('body.name', 'must NOT have more than 63 characters')).toBe('Name must be at most 63 characters long.');
    expect(schema('body.name', 'must NOT have fewer than 1 characters')).toBe('Name must not be empty.');
    expect(schema('body.name', 'must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]*$"')).toBe(
      'Name must start with a letter or digit and hold only letters, digits, dots, dashes and underscores.',
    );
    expect(schema('body.tag', 'must match pattern "^[A-Za-z0-9_-]+$"')).toBe('Tag must hold only letters, digits, dashes and underscores.');
    expect(schema('body.tag', 'must NOT have more than 31 characters')).toBe('Tag must be at most 31 characters long.');
    expect(schema('body.boot.order', 'must match pattern "^[acdn]{1,4}$"')).toMatch(/^Boot order must be 1 to 4 of the letters c \(disk\)/);
    expect(schema('body.key', 'must match pattern "^[0-9a-z]$"')).toBe('SysRq key must be one lower-case letter or digit.');
    expect(schema('body.path', 'must match pattern "x"')).toBe('Path is not in a form Strata accepts.');
    expect(schema('body.accelerator', 'must be equal to one of the allowed values')).toBe(
      'Accelerator must be one of the choices offered.',
    );
    expect(schema('body.format', 'must be equal to constant')).toBe('Format must be one of the choices offered.');
    expect(schema('body.network.forwards', 'must NOT have more than 32 items')).toBe('Port forwards can hold at most 32 entries.');
    expect(schema('body.name', 'is required')).toBe('Name is required.');
    expect(schema('body.cpu.sockets', 'is not a known field')).toBe('Sockets is not a setting Strata knows.');
    expect(schema('body.lazyRefcounts', 'must be boolean')).toBe('Lazy refcounts must be yes or no.');
    expect(schema('body.clusterSize', 'must be multiple of 512')).toBe('Cluster size must be a multiple of 512 B.');
  });

  it('labels every field of the VM, share and image forms', () => {
    const labels: Record<string, string> = {
      'body.name': 'Name',
      'body.image': 'Image',
      'body.hypervisor': 'Hypervisor',
      'body.cpuModel': 'CPU model',
      'body.accelerator': 'Accelerator',
      'body.disks.0.bus': 'Disk bus',
      'body.cdrom': 'CD-ROM',
      'body.network.mode': 'Network',
      'body.boot.order': 'Boot order',
      'body.umlMemoryDir': 'Memory directory',
      'body.umlRootShareId': 'Root file system',
      'body.path': 'Path',
      'body.shareId': 'Share',
      'body.transport': 'Transport',
      'body.options.cache': 'Cache',
      'body.options.threadPoolSize': 'Thread pool',
      'body.options.securityModel': 'Security model',
      'body.format': 'Format',
      'body.preallocation': 'Preallocation',
      'body.compat': 'Compatibility',
      'body.parentId': 'Parent image',
      'body.description': 'Description',
    };
    for (const [field, label] of Object.entries(labels)) expect(fieldLabel(field)).toBe(label);
  });
});

describe('errorText: messages a service wrote', () => {
  it('keeps its words and makes its sizes readable', () => {
    expect(errorText({ field: 'body.sizeBytes', message: 'disk0 is 1073741824 bytes already' })).toBe('disk0 is 1 GiB already.');
    expect(errorText({ field: 'body.memoryMiB', message: "2097152 MiB is more than the host's 65536 MiB of memory" })).toBe(
      "2 TiB is more than the host's 64 GiB of memory.",
    );
    expect(errorText({ field: 'body.cpu', message: 'UML is uniprocessor: it runs one vCPU' })).toBe(
      'UML is uniprocessor: it runs one vCPU.',
    );
  });

  it('starts a sentence upper-case, but never a name', () => {
    expect(errorText({ field: 'body.path', message: 'the path contains a NUL byte' })).toBe('The path contains a NUL byte.');
    expect(errorText({ field: 'body.parentId', message: 'db1 stands on db2: that would make a loop' })).toBe(
      'db1 stands on db2: that would make a loop.',
    );
  });

  it('puts the label in front of a reason that has no subject', () => {
    expect(errorText({ field: 'body.umlMemoryDir', message: 'must be an absolute path without ..' })).toBe(
      'Memory directory must be an absolute path without ..',
    );
  });

  it('falls back to the server’s message for a field no form shows', () => {
    expect(errorText({ field: 'params.id', message: 'params.id must match pattern "^[a-z0-9]"' })).toBe(
      'params.id must match pattern "^[a-z0-9]"',
    );
    expect(errorText({ field: 'body.frobnicate', message: 'body.frobnicate is not a known field' })).toBe(
      'body.frobnicate is not a known field',
    );
    expect(fieldLabel('params.disk')).toBeNull();
  });

  it('leaves a message without a field as it is, sizes aside', () => {
    expect(errorText({ message: 'VM vm-1 is running: stop it first' })).toBe('VM vm-1 is running: stop it first');
    expect(errorText({ message: 'needs up to 2147483648 bytes, only 1048576 are free' })).toBe('needs up to 2 GiB, only 1 MiB are free');
  });
});

describe('errorText: refusals of the whole request', () => {
  it('says an empty change in words instead of the schema’s', () => {
    expect(schema('body', 'must NOT have fewer than 1 properties')).toBe('Nothing changed: there is nothing to save.');
    expect(errorText({ message: 'must NOT have fewer than 1 properties', field: 'body' })).toBe(
      'Nothing changed: there is nothing to save.',
    );
  });

  it('says other whole-body reasons as a sentence about the request', () => {
    expect(schema('body', 'must be object')).toBe('The request must be a group of settings.');
  });
});

describe('humanizeSizes', () => {
  it('leaves small numbers and other words alone', () => {
    expect(humanizeSizes('512 bytes and 64 MiB')).toBe('512 bytes and 64 MiB');
    expect(humanizeSizes('port 8080 is taken')).toBe('port 8080 is taken');
    expect(humanizeSizes('2048 bytes')).toBe('2 KiB');
  });
});
