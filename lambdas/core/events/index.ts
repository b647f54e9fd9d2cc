export * from './evaluate';
export * from './expressions';
export * from './routing';
export * from './transform';
export * from './validate';
