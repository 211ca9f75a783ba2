/**
 * Every string from a configuration file reaches Terraform as the text that was written:
 * Terraform reads `${` and `%{` in any string as a template, so a tag value, a role name or
 * an alert address with one would otherwise be evaluated. Each string field of both schemas
 * is tried with template text; where the field's rule accepts it, the stack is synthesized
 * and the text must arrive escaped (`$${`, `%%{`), never bare.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { bootstrapSchema, parseBootstrapConfig } from '../lib/bootstrap-config';
import { environmentSchema, parseEnvironmentConfig } from '../lib/config';
import type { Rule, Shape } from '../lib/schema';
import { BootstrapStack } from '../stacks/bootstrap-stack';
import { exampleJson, projectRoot, synthStack } from './support/synth';

/** Paths of the string fields of a schema, with a way to set each in a JSON document. */
type Setter = (json: any, edit: (old: string) => string) => void;
function stringFields(rule: Rule<unknown>, path = ''): [string, Setter][] {
  const out: [string, Setter][] = [];
  const walk = (r: Rule<unknown>, p: string, set: (json: any, f: (v: any) => any) => void) => {
    if (r.fields) {
      for (const [key, field] of Object.entries(r.fields as Shape)) {
        walk(field.rule, p ? `${p}.${key}` : key, (json, f) =>
          set(json, (o) => ({ ...o, [key]: f(o?.[key]) })),
        );
      }
    } else if (r.json.type === 'array' && r.item) {
      walk(r.item, `${p}[0]`, (json, f) => set(json, (a) => [f(a?.[0]), ...(a ?? []).slice(1)]));
    } else if (r.json.type === 'object' && r.item) {
      // A record: its keys and its values are both strings from the file.
      out.push([
        `${p} key`,
        (json, edit) =>
          set(json, (o) =>
            Object.fromEntries(Object.entries(o ?? { k: 'v' }).map(([k, v]) => [edit(k), v])),
          ),
      ]);
      out.push([
        `${p} value`,
        (json, edit) =>
          set(json, (o) =>
            Object.fromEntries(
              Object.entries(o ?? { k: 'v' }).map(([k, v]) => [k, edit(v as string)]),
            ),
          ),
      ]);
    } else if (r.json.type === 'string' && !r.json.enum) {
      out.push([p, (json, edit) => set(json, (v) => edit(v ?? 'x'))]);
    }
  };
  walk(rule, path, (json, f) => Object.assign(json, f(json)));
  return out;
}

/** Template text placed where the field's rule may accept it. */
const edits: ((v: string) => string)[] = [
  (v) => `${v}\${tf_injected}`,
  (v) => `${v}%{tf_injected}`,
  (v) => v.replace('@', '${tf_injected}@'),
];

const bareTemplate = /(?<![$%])[$%]\{tf_injected\}/;

/** Fields the app reads but never passes to Terraform. */
const notForTerraform = ['$schema'];

function tryEach(
  name: string,
  rule: Rule<unknown>,
  base: unknown,
  synth: (json: unknown) => string | undefined,
): string[] {
  const accepted: string[] = [];
  for (const [path, set] of stringFields(rule)) {
    for (const edit of edits) {
      const json = structuredClone(base);
      let changed = false;
      set(json, (v) => {
        const edited = edit(v);
        changed = edited !== v;
        return edited;
      });
      if (!changed) continue;
      const synthesized = synth(json);
      if (synthesized === undefined) continue;
      accepted.push(`${name}: ${path}`);
      expect([path, synthesized.match(bareTemplate)?.[0]]).toEqual([path, undefined]);
      const arrived = /(\$\$|%%)\{tf_injected\}/.test(synthesized);
      expect([path, arrived]).toEqual([path, !notForTerraform.includes(path)]);
    }
  }
  return accepted;
}

test('environment files: every string field that accepts template text reaches Terraform escaped', () => {
  const accepted = tryEach(
    'environment',
    environmentSchema as Rule<unknown>,
    exampleJson(),
    (json) => {
      const r = parseEnvironmentConfig('config/example.json', JSON.stringify(json));
      return 'config' in r ? synthStack(r.config) : undefined;
    },
  );
  // The fields whose rules let such text through, so the check above has work to do.
  expect([...new Set(accepted)]).toEqual([
    'environment: $schema',
    'environment: role',
    'environment: tags key',
    'environment: tags value',
    'environment: trigger.alertEmails[0]',
  ]);
});

test('the bootstrap file: every string field that accepts template text reaches Terraform escaped', () => {
  const base = JSON.parse(readFileSync(join(projectRoot, 'config', 'bootstrap.json'), 'utf8'));
  const accepted = tryEach('bootstrap', bootstrapSchema as Rule<unknown>, base, (json) => {
    const r = parseBootstrapConfig('config/bootstrap.json', JSON.stringify(json));
    if (!('config' in r)) return undefined;
    return Testing.synth(
      new BootstrapStack(Testing.app(), 'aml-deploy-bootstrap', {
        config: r.config,
        environments: [],
      }),
    );
  });
  expect([...new Set(accepted)]).toEqual([
    'bootstrap: $schema',
    'bootstrap: tags key',
    'bootstrap: tags value',
  ]);
});
