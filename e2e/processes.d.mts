export function pidsMentioning(needle: string): number[];
export function killAll(needle: string): void;
export function unmountAll(prefix: string): void;
