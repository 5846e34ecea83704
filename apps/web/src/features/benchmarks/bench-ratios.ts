// The article's ratios are defined once, in @strata/contract/bench-ratios, and computed the same way
// by the server (run.ratios, exports); the page computes them from the cells it holds, so a run
// recorded before the server kept them reads the same.
export { ARTICLE_RATIOS, articlePattern, hostRatios, type HostRatio } from '@strata/contract/bench-ratios';

export const formatRatio = (v: number | null): string => (v === null || !Number.isFinite(v) ? '—' : `${v.toFixed(2)}×`);
