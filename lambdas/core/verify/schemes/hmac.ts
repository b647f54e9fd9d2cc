import type { HmacVerifierConfig } from '../../config/verifier';
import type { Scheme } from '../types';

// Placeholder until this scheme lands; the registry needs the export to compile.
export const hmac: Scheme<HmacVerifierConfig> = {
  verify() {
    throw new Error('scheme hmac is not implemented yet');
  },
  sensitiveHeaders: () => [],
};
