import { spawn } from 'node:child_process';

const PRLIMIT = '/usr/bin/prlimit';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  input?: string | Buffer;
  /** Called with each chunk of stderr as it arrives (qemu-img -p writes progress there). */
  onStderr?: (chunk: string) => void;
  onStdout?: (chunk: string) => void;
  signal?: AbortSignal;
  /** Past this much on stdout or stderr the command is killed: a hostile input can make a tool print without end. */
  maxOutputBytes?: number;
  /**
   * Kernel limits for the command (prlimit): a hostile input can make a tool allocate gigabytes or
   * spin, and only the kernel stops that in time.
   */
  limits?: { addressSpaceBytes: number; cpuSeconds: number };
  /**
   * Descriptors the child inherits as fd 3, 4, ...: it opens `/proc/self/fd/3` and reaches exactly
   * the object the caller holds, whatever its name now points at.
   */
  extraFds?: number[];
}

export class CommandError extends Error {
  constructor(
    readonly command: string[],
    readonly result: RunResult,
  ) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n');
    super(`${command[0]} exited with ${result.code}: ${tail}`);
  }
}

/** Runs argv (never a shell string) and collects its output; never rejects on a non-zero exit. */
export function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const limited = options.limits
    ? [PRLIMIT, `--as=${options.limits.addressSpaceBytes}`, `--cpu=${options.limits.cpuSeconds}`, '--', ...argv]
    : argv;
  const [cmd, ...args] = limited;
  if (!cmd) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', ...(options.extraFds ?? [])],
      signal: options.signal,
    });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    let killed = '';
    const kill = (why: string) => {
      if (killed) return;
      killed = why;
      child.kill('SIGKILL');
    };
    if (options.timeoutMs) timer = setTimeout(() => kill(`no end after ${options.timeoutMs} ms`), options.timeoutMs);
    const tooMuch = (held: string, c: string) => options.maxOutputBytes !== undefined && held.length + c.length > options.maxOutputBytes;
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      if (killed) return;
      if (tooMuch(stdout, c)) return kill(`printed more than ${options.maxOutputBytes} bytes`);
      stdout += c;
      options.onStdout?.(c);
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      if (killed) return;
      if (tooMuch(stderr, c)) return kill(`printed more than ${options.maxOutputBytes} bytes of messages`);
      stderr += c;
      options.onStderr?.(c);
    });
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      // A command stopped here says why in its stderr, which is what errors quote.
      if (killed) resolve({ code: 128, stdout, stderr: `${stderr}\nstopped: ${killed}` });
      else if (signal)
        resolve({ code: 128, stdout, stderr: `${stderr}\nended by ${signal}${options.limits ? ' (a memory or CPU limit)' : ''}` });
      else resolve({ code: code ?? 1, stdout, stderr });
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined); // the command may exit without reading it all
      child.stdin.end(options.input);
    }
  });
}

/** Like run, but a non-zero exit becomes a CommandError carrying the tail of stderr. */
export async function runOk(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(argv, options);
  if (result.code !== 0) throw new CommandError(argv, result);
  return result;
}
