import type { HeaderMatchVerifierConfig } from '../../config/verifier';
import type { Scheme } from '../types';

// Placeholder until this scheme lands; the registry needs the export to compile.
export const headerMatch: Scheme<HeaderMatchVerifierConfig> = {
  verify() {
    throw new Error('scheme headerMatch is not implemented yet');
  },
  sensitiveHeaders: () => [],
};
