/**
 * The in-flight model, its service and the 'while you were away' helpers.
 */
export * from './model';
export * from './summary';
export * from './unseen';
export * from './whileaway';
