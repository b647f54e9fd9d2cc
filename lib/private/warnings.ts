/**
 * The ids of the gateway's synth warnings, one per kind: stable, so that an app can acknowledge a
 * kind (`Annotations.of(scope).acknowledgeWarning(id, reason)`). docs/library.md lists them.
 */
export const WARNINGS = {
  importedKey: 'webhook-gateway:imported-key',
} as const;
