/**
 * Notices when a run ends while the user looks elsewhere.
 */
export * from './rules';
export * from './words';
export * from './facts';
export * from './browser';
export * from './service';
