// Placeholder entry point so the constructs can synthesize; the runtime lands in its own change.
export const handler = async (): Promise<never> => {
  throw new Error('handler not implemented yet');
};
