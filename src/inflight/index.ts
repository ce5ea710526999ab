/**
 * The in-flight model, its words and the unseen marks.
 */
export * from './model';
export * from './summary';
export * from './unseen';
