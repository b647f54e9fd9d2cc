import type { PresetVerifierConfig } from '../../config/verifier';
import type { Scheme } from '../types';

// Placeholder until this preset lands; the registry needs the export to compile.
export const paddle: Scheme<PresetVerifierConfig> = {
  verify() {
    throw new Error('preset paddle is not implemented yet');
  },
  sensitiveHeaders: () => [],
};
