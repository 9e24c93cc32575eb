import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Role } from '../config/index.ts';

export const contractDir = fileURLToPath(new URL('../../../../contracts/', import.meta.url));

export interface MessageTypeRule {
  model: string;
  from: string;
  to: string;
  userRoles: Role[];
  requiresInReplyTo?: boolean;
  legalBasis: { kind: 'consent' | 'statute' | 'reply'; reference?: string };
}

/** The collaboration models in contracts/models, checked against their schema at start. */
export class Contracts {
  readonly rules = new Map<string, MessageTypeRule>();

  constructor(dir = contractDir) {
    const ajv = new Ajv2020({ allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(path.join(dir, 'collaboration-model.schema.json'), 'utf8')));
    const modelDir = path.join(dir, 'models');
    for (const file of readdirSync(modelDir).filter((f) => f.endsWith('.json')).sort()) {
      const where = path.join('contracts', 'models', file);
      let model: { id: string; roles: string[]; messageTypes: Record<string, Omit<MessageTypeRule, 'model'>> };
      try {
        model = JSON.parse(readFileSync(path.join(modelDir, file), 'utf8'));
      } catch (error) {
        throw new Error(`Contract ${where} is not valid JSON: ${(error as Error).message}`);
      }
      if (!validate(model)) {
        const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
        throw new Error(`Contract ${where} is invalid: ${problems}`);
      }
      for (const [type, rule] of Object.entries(model.messageTypes)) {
        if (!model.roles.includes(rule.from) || !model.roles.includes(rule.to)) {
          throw new Error(`Contract ${where} is invalid: ${type} names a role the model does not have`);
        }
        if (this.rules.has(type)) throw new Error(`Contract ${where} defines ${type}, which another model defines too`);
        this.rules.set(type, { model: model.id, ...rule });
      }
    }
  }

  rule(type: string): MessageTypeRule | undefined {
    return this.rules.get(type);
  }
}
