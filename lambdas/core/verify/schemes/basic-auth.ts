import type { BasicAuthVerifierConfig } from '../../config/verifier';
import type { Scheme } from '../types';

// Placeholder until this scheme lands; the registry needs the export to compile.
export const basicAuth: Scheme<BasicAuthVerifierConfig> = {
  verify() {
    throw new Error('scheme basicAuth is not implemented yet');
  },
  sensitiveHeaders: () => [],
};
