import type { AgentReply, AgentRequest, GuestAgent } from './ports.js';

/**
 * The benchmark agent's wire format, shared by every driver (the guest side is
 * packages/guest's strata-agent, a busybox sh script). One request per line, space-separated
 * words the guest checks one by one with `case` patterns:
 *   <id> ping
 *   <id> mount <9p|virtiofs|hostfs> <tag> <options or ->
 *   <id> device <sizeBytes>
 *   <id> fio <path> <read|write|randread|randwrite> <blockSize> <sizeMiB> <0|1> <runtimeSec>
 *   <id> dropcaches
 * One reply per line: `ok <id>[ <payload>]` or `err <id> <message>`; the payload of `device` is
 * the device's path, that of `fio` fio's JSON report on one line.
 */

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,30}$/;
const MOUNT_OPTIONS = /^[A-Za-z0-9=,._-]{1,200}$/;
const BENCH_PATH = /^\/bench\/[A-Za-z0-9_][A-Za-z0-9_-]{0,30}\/[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
const DEVICE_PATH = /^\/dev\/[a-z][a-z0-9]{0,15}$/;
const RW = new Set(['read', 'write', 'randread', 'randwrite']);
const TRANSPORTS = new Set(['9p', 'virtiofs', 'hostfs']);

function count(name: string, value: number, min: number, max: number): string {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new Error(`agent request: ${name} must be a whole number from ${min} to ${max}`);
  return String(value);
}

function word(name: string, value: string, pattern: RegExp): string {
  if (!pattern.test(value)) throw new Error(`agent request: ${name} '${value.slice(0, 80)}' is not one the guest's agent accepts`);
  return value;
}

/** The request's line without its newline; throws (naming the field) on anything the guest would refuse. */
export function encodeAgentRequest(id: number, request: AgentRequest): string {
  const words = [String(id)];
  switch (request.op) {
    case 'ping':
    case 'dropcaches':
      words.push(request.op);
      break;
    case 'mount':
      if (!TRANSPORTS.has(request.transport)) throw new Error(`agent request: transport '${String(request.transport)}' is unknown`);
      words.push('mount', request.transport, word('tag', request.tag, TAG));
      words.push(request.options === '' ? '-' : word('options', request.options, MOUNT_OPTIONS));
      break;
    case 'device':
      words.push('device', count('sizeBytes', request.sizeBytes, 512, 2 ** 50));
      break;
    case 'fio':
      if (!BENCH_PATH.test(request.path) && !DEVICE_PATH.test(request.path))
        throw new Error(`agent request: path '${request.path.slice(0, 80)}' is neither /bench/<tag>/<file> nor /dev/<name>`);
      if (!RW.has(request.rw)) throw new Error(`agent request: rw '${String(request.rw)}' is unknown`);
      words.push('fio', request.path, request.rw);
      words.push(count('blockSize', request.blockSize, 512, 64 * 1048576), count('sizeMiB', request.sizeMiB, 1, 1048576));
      words.push(request.direct ? '1' : '0', count('runtimeSec', request.runtimeSec, 1, 3600));
      break;
    default:
      throw new Error(`agent request: op '${String((request as { op: unknown }).op)}' is unknown`);
  }
  return words.join(' ');
}

/** The reply as the port describes it; throws "answered garbage" when the payload is not what `request` gets. */
export function decodeAgentReply(request: AgentRequest, reply: { ok: boolean; payload: string }): AgentReply {
  if (!reply.ok) return { ok: false, error: reply.payload || 'the guest gave no reason' };
  const garbage = (what: string) => new Error(`the guest's agent answered garbage to ${request.op}: ${what}`);
  if (request.op === 'device') {
    if (!DEVICE_PATH.test(reply.payload)) throw garbage('no device path');
    return { ok: true, path: reply.payload };
  }
  if (request.op === 'fio') {
    let fio: unknown;
    try {
      fio = JSON.parse(reply.payload);
    } catch {
      throw garbage('fio reported no JSON');
    }
    if (typeof fio !== 'object' || fio === null || Array.isArray(fio)) throw garbage('fio reported no JSON object');
    return { ok: true, fio };
  }
  if (reply.payload !== '') throw garbage('an unexpected payload');
  return { ok: true };
}

/** What a driver's line channel offers (packages/host's LineChannel.call). */
export type AgentLineCall = (
  make: (id: number) => string,
  options: { timeoutMs: number; signal?: AbortSignal },
) => Promise<{ ok: boolean; payload: string }>;

/** A GuestAgent over a driver's channel: the request is checked and encoded before anything is sent. */
export function guestAgentOver(call: AgentLineCall): GuestAgent {
  return {
    async call(request, options) {
      encodeAgentRequest(1, request); // refuses a bad request before it waits for the guest
      const reply = await call((id) => encodeAgentRequest(id, request), options);
      return decodeAgentReply(request, reply);
    },
  };
}
