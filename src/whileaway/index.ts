/**
 * "While you were away" for the user: what they saw of each notebook, kept
 * for every browser of theirs.
 */
export * from './seenstore';
export * from './seenserver';
export * from './seenstorage';
