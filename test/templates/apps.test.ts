import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleApp, largeApp } from '../support/template-apps';
import {
  type AssemblyResult,
  type Finding,
  formatFindings,
  ResourceSpecs,
  validateAssembly,
} from '../support/template-schema';

/**
 * Violations the current templates are known to have, each to be removed once the construct is
 * fixed. An entry matches a finding by template file (a RegExp), resource path and rule. The test
 * fails on any finding not listed here, and on any entry that no longer matches a finding (so
 * the list only shrinks).
 */
const KNOWN_VIOLATIONS: readonly KnownViolation[] = [];

interface KnownViolation {
  readonly template: RegExp;
  readonly path: string;
  readonly rule: Finding['rule'];
  /** Why it is wrong, and who fixes it. */
  readonly why: string;
}

function unexpected(findings: readonly Finding[]): Finding[] {
  return findings.filter(
    (f) => !KNOWN_VIOLATIONS.some((k) => k.template.test(f.template) && k.path === f.path && k.rule === f.rule),
  );
}

function table(result: AssemblyResult): string {
  return result.templates
    .map(
      (t) =>
        `${t.name}: ${t.resources} resources, ${t.outputs} outputs, ${t.parameters} parameters, ${t.bytes} bytes (${t.delivery}, limit ${t.limit})`,
    )
    .join('\n');
}

const TMP = resolve('test/.tmp');
mkdirSync(TMP, { recursive: true });
let specs: ResourceSpecs;
const outdirs: string[] = [];
const outdir = (name: string) => {
  const dir = mkdtempSync(join(TMP, `${name}-`));
  outdirs.push(dir);
  return dir;
};

beforeAll(() => {
  const started = performance.now();
  specs = ResourceSpecs.load();
  console.log(`resource spec database loaded in ${Math.round(performance.now() - started)} ms`);
});
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('every template against the CloudFormation resource schemas', () => {
  const results: AssemblyResult[] = [];

  it('the example app (bin/app.ts), nested stacks included, has no violation', () => {
    const { app } = exampleApp(outdir('example'));
    const result = validateAssembly(app.synth().directory, specs);
    results.push(result);
    console.log(table(result));
    expect(result.templates.filter((t) => t.name.endsWith('.nested.template.json')).length).toBeGreaterThan(0);
    expect(formatFindings(unexpected(result.findings))).toBe('');
  });

  it('an app with 200 webhooks, nested stacks included, has no violation and stays within the quotas', () => {
    const { app } = largeApp(200, outdir('large'));
    const synthesized = performance.now();
    const assembly = app.synth();
    const checked = performance.now();
    const result = validateAssembly(assembly.directory, specs);
    console.log(
      `200 webhooks: synthesized in ${Math.round(checked - synthesized)} ms, checked in ${Math.round(performance.now() - checked)} ms\n${table(result)}`,
    );
    results.push(result);
    expect(result.templates.filter((t) => t.name.endsWith('.nested.template.json')).length).toBeGreaterThan(1);
    expect(formatFindings(unexpected(result.findings))).toBe('');
  });

  it('every known violation is still found (remove an entry once it is fixed)', () => {
    const all = results.flatMap((r) => r.findings);
    const stale = KNOWN_VIOLATIONS.filter(
      (k) => !all.some((f) => k.template.test(f.template) && k.path === f.path && k.rule === f.rule),
    );
    expect(stale.map((k) => `${k.template} ${k.path} [${k.rule}]`)).toEqual([]);
  });
});

describe('the check fails on a broken property of the real templates', () => {
  it('fails if escape hatches break resources of the main stack and of a nested stack', () => {
    const { app, stack } = exampleApp(outdir('broken'));
    (stack.gateway.api.node.defaultChild as CfnResource).addPropertyOverride('EndpointConfiguration.Type', [
      'REGIONAL',
    ]);
    (stack.gateway.ingestFunction.node.defaultChild as CfnResource).addPropertyOverride('TracingConfig.Mode', 'On');
    // Whatever the webhook stacks hold, their first resource with a schema (custom resources take any property).
    const nested = stack.node
      .findAll()
      .find(
        (c): c is CfnResource =>
          CfnResource.isCfnResource(c) && Stack.of(c).nested && c.cfnResourceType.startsWith('AWS::'),
      )!;
    nested.addPropertyOverride('NoSuchProperty', true);
    const result = validateAssembly(app.synth().directory, specs);
    expect(
      result.findings
        .map((f) => [
          f.template.endsWith('.nested.template.json') ? 'nested' : 'main',
          f.rule,
          f.path.replace(/^Resources\.\w+\./, 'Resources.<id>.'),
        ])
        .sort(),
    ).toEqual(
      [
        ['main', 'enum', 'Resources.<id>.Properties.TracingConfig.Mode'],
        ['main', 'unknown-property', 'Resources.<id>.Properties.EndpointConfiguration.Type'],
        ['nested', 'unknown-property', 'Resources.<id>.Properties.NoSuchProperty'],
      ].sort(),
    );
  });
});
