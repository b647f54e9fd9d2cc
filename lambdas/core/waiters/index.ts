export * from './keys';
export * from './match';
export * from './model';
export * from './validate';
