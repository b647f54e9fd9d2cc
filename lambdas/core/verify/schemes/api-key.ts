import type { ApiKeyVerifierConfig } from '../../config/verifier';
import type { Scheme } from '../types';

// Placeholder until this scheme lands; the registry needs the export to compile.
export const apiKey: Scheme<ApiKeyVerifierConfig> = {
  verify() {
    throw new Error('scheme apiKey is not implemented yet');
  },
  sensitiveHeaders: () => [],
};
