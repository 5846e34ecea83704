import { useState } from 'react';
import { useImageAdd } from '../../api/image-add';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Field, TextInput, inputClass } from '../../components/field';
import { ErrorBanner, Notice } from '../../components/feedback';
import { useRole } from '../../shared/use-role';

type Which = 'blank' | 'import' | 'upload';
type Format = 'qcow2' | 'raw';

/** An image name as the server takes it: letters, digits, dot, dash, underscore. */
const cleanName = (text: string) =>
  text
    .replace(/\.(qcow2|raw|img)$/i, '')
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);

function FormatSelect({ value, onChange }: { value: Format; onChange: (f: Format) => void }) {
  return (
    <Field label="Format">
      <select className={inputClass} value={value} onChange={(e) => onChange(e.target.value as Format)}>
        <option value="qcow2">qcow2</option>
        <option value="raw">raw</option>
      </select>
    </Field>
  );
}

/** The page's New blank / Import / Upload buttons and their dialogs. */
export function ImageAddActions() {
  const role = useRole();
  const refusal = role.cannot('add images');
  const [open, setOpen] = useState<Which | null>(null);
  return (
    <>
      {(['blank', 'import', 'upload'] as const).map((w) => (
        <Button key={w} disabled={refusal !== undefined} title={refusal} onClick={() => setOpen(w)}>
          {{ blank: 'New blank image…', import: 'Import…', upload: 'Upload…' }[w]}
        </Button>
      ))}
      {open && <AddDialog which={open} onClose={() => setOpen(null)} />}
    </>
  );
}

function AddDialog({ which, onClose }: { which: Which; onClose: () => void }) {
  const { create, importFile, upload } = useImageAdd();
  const [name, setName] = useState('');
  const [format, setFormat] = useState<Format>('qcow2');
  const [sizeGiB, setSizeGiB] = useState(1);
  const [path, setPath] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const mutation = { blank: create, import: importFile, upload }[which];
  const submit = () => {
    if (which === 'blank') create.mutate({ name, format, sizeBytes: Math.round(sizeGiB * 1024 ** 3) }, { onSuccess: onClose });
    if (which === 'import') importFile.mutate({ name, path }, { onSuccess: onClose });
    if (which === 'upload' && file) upload.mutate({ file, name, format, onProgress: setProgress }, { onSuccess: onClose });
  };
  const titles = { blank: 'New blank image', import: 'Import an image', upload: 'Upload an image' };
  const descriptions = {
    blank: 'An empty disk of the size you choose; qcow2 takes room on the host only as the guest writes.',
    import:
      "Copies a standalone qcow2 or raw file from the server's import directory (STRATA_IMPORT_DIR) into the image store, as a job. Files that refer to other files are refused.",
    upload:
      'Sends a qcow2 or raw file from this computer. The server checks that the file really is the format you state and refers to no other file, then adds it as a job.',
  };
  return (
    <Dialog
      title={titles[which]}
      description={descriptions[which]}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" disabled={mutation.isPending || (which === 'upload' && !file)} onClick={submit}>
            {{ blank: 'Create', import: 'Import', upload: 'Upload' }[which]}
          </Button>
        </>
      }
    >
      {which === 'upload' && (
        <Field label="File">
          <input
            type="file"
            className={inputClass}
            onChange={(e) => {
              const chosen = e.target.files?.[0] ?? null;
              setFile(chosen);
              if (chosen && !name) setName(cleanName(chosen.name));
              if (chosen && /\.raw$|\.img$/i.test(chosen.name)) setFormat('raw');
            }}
          />
        </Field>
      )}
      {which === 'import' && (
        <Field label="Path inside the import directory">
          <TextInput value={path} onChange={(e) => setPath(e.target.value)} placeholder="debian.qcow2" />
        </Field>
      )}
      <Field label="Name" hint="Letters, digits, dot, dash and underscore.">
        <TextInput value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      {which !== 'import' && <FormatSelect value={format} onChange={setFormat} />}
      {which === 'blank' && (
        <Field label="Size (GiB)">
          <TextInput type="number" min={0.001} step="any" value={sizeGiB} onChange={(e) => setSizeGiB(Number(e.target.value))} />
        </Field>
      )}
      {which === 'upload' && progress !== null && mutation.isPending && (
        <Notice>
          <progress className="w-full" max={1} value={progress} aria-label="Upload progress" /> {Math.round(progress * 100)} % sent
        </Notice>
      )}
      {mutation.error && <ErrorBanner error={mutation.error} />}
    </Dialog>
  );
}
