/**
 * The in-flight model, its listing reader, and the 'while you were away'
 * helpers.
 */
export * from './listings';
export * from './model';
export * from './summary';
export * from './unseen';
export * from './whileaway';
