import type { ShareView } from '@strata/contract';
import { Field, TextInput, inputClass } from '../../components/field';
import { Notice } from '../../components/feedback';

/** What only a UML VM asks: its root file system and where its memory file lives. */
export function UmlFields({
  shares,
  rootShare,
  setRootShare,
  memoryDir,
  setMemoryDir,
  errorFor,
}: {
  shares: ShareView[];
  rootShare: string;
  setRootShare: (id: string) => void;
  memoryDir: string;
  setMemoryDir: (dir: string) => void;
  errorFor: (field: string) => string | undefined;
}) {
  return (
    <>
      <Notice>UML is uniprocessor: the VM runs one vCPU (pin it to host CPUs from its vCPUs tab). It has no network and no CD-ROM.</Notice>
      <Field
        label="Root file system"
        error={errorFor('umlRootShareId')}
        hint="The guest's root file system can be a share holding a whole Linux tree, reached over hostfs, instead of its disk."
      >
        <select name="umlRootShareId" className={inputClass} value={rootShare} onChange={(e) => setRootShare(e.target.value)}>
          <option value="">its disk (ubd0: the COW on the image above)</option>
          {shares.map((s) => (
            <option key={s.id} value={s.id}>
              hostfs: share {s.name} ({s.path})
            </option>
          ))}
        </select>
      </Field>
      <Field
        label="Memory directory (TMPDIR)"
        error={errorFor('umlMemoryDir')}
        hint="Where the file that holds guest memory lives, e.g. /dev/shm or a tmpfs on the VM's NUMA node. Empty: the VM's own directory."
      >
        <TextInput
          name="umlMemoryDir"
          value={memoryDir}
          placeholder="the VM's own directory"
          onChange={(e) => setMemoryDir(e.target.value)}
        />
      </Field>
    </>
  );
}
