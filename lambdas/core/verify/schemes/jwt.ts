import type { JwtVerifierConfig } from '../../config/verifier';
import type { Scheme } from '../types';

// Placeholder until this scheme lands; the registry needs the export to compile.
export const jwt: Scheme<JwtVerifierConfig> = {
  verify() {
    throw new Error('scheme jwt is not implemented yet');
  },
  sensitiveHeaders: () => [],
};
