/**
 * Foreign runs: what the kernel does for other clients.
 */
export * from './activity';
export * from './derive';
export * from './words';
export * from './tracker';
export * from './follow';
export * from './model';
export * from './feed';
export * from './runs';
