/**
 * The in-flight model and the 'while you were away' helpers.
 */
export * from './model';
export * from './whileaway';
