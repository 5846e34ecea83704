export function pidsMentioning(needle: string): number[];
export function killAll(needle: string): void;
