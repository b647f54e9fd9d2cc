/**
 * The ids of the gateway's synth warnings, one per kind: stable, so that an app can acknowledge a
 * kind (`Annotations.of(scope).acknowledgeWarning(id, reason)`). docs/library.md lists them.
 */
export const WARNINGS = {
  unverifiedSource: 'webhook-gateway:unverified-source',
  headerMatchAlone: 'webhook-gateway:header-match-alone',
  dynamicPattern: 'webhook-gateway:dynamic-pattern',
  staticPayloadIgnored: 'webhook-gateway:static-payload-ignored',
  usagePlans: 'webhook-gateway:usage-plans',
  resourcePolicy: 'webhook-gateway:resource-policy',
  importedKey: 'webhook-gateway:imported-key',
} as const;

/**
 * A webhook's warnings come as text from the source bindings and the expression validator (shared
 * with the handlers); their kind is told by wording that test/constructs/warnings.test.ts pins.
 */
const KINDS: readonly [RegExp, string][] = [
  [/\bsource is none\b/, WARNINGS.unverifiedSource],
  [/\bsource headerMatch alone\b/, WARNINGS.headerMatchAlone],
  [/\bcalls matches\(\) with a pattern that is not a literal\b/, WARNINGS.dynamicPattern],
  [/\bstaticPayload is merged only into JSON object bodies\b/, WARNINGS.staticPayloadIgnored],
];

/** The id of one of a webhook's warnings. */
export function webhookWarningId(message: string): string {
  return KINDS.find(([pattern]) => pattern.test(message))?.[1] ?? 'webhook-gateway:webhook';
}
