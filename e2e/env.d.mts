export const root: string;
export const e2eDataDir: string;
export const servePidFile: string;
export const e2ePassword: string;
