import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { Refusal } from '../domain/errors.ts';
import type { Parts } from '../parts.ts';
import { callerOf } from './auth.ts';

const keyPattern = /^[\x21-\x7e]{8,200}$/;

/**
 * Records the answer, retrying for about a minute: a database restart right after the request
 * would otherwise leave the key "in progress" (409) for 24 hours.
 */
async function keep(write: () => Promise<void>, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= 8) return log.error({ err: (error as Error).message }, 'idempotency record not updated');
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}

/**
 * `Idempotency-Key` on a POST: the same caller and key within 24 h gets the first answer again
 * (header `Idempotent-Replayed: true`) and nothing is sent anew. Only a 2xx answer is kept; a
 * refused or failed request frees the key. A key reused for another body is refused.
 */
export function idempotent(store: Parts['idempotency'] | undefined, log: Logger, now: () => Date) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = req.get('idempotency-key');
    if (key === undefined || !store) return next();
    try {
      if (!keyPattern.test(key)) throw new Refusal('idempotency_key_invalid', 'use 8 to 200 visible ASCII characters, e.g. a UUID');
      const caller = callerOf(res).subject;
      const requestHash = createHash('sha256').update(JSON.stringify(req.body ?? null)).digest('hex');
      const answer = async () => {
        const found = await store.find(caller, key, now());
        if (!found) return false;
        if (found.requestHash !== requestHash) throw new Refusal('idempotency_key_reused', 'the key was used for a different request');
        if (found.status === 0) throw new Refusal('idempotency_in_progress', 'a request with this key is still being handled');
        res.set('Idempotent-Replayed', 'true').status(found.status).json(found.body);
        return true;
      };
      if (await answer()) return;
      if (!(await store.reserve(caller, key, requestHash, now()))) {
        if (await answer()) return;
        throw new Refusal('idempotency_in_progress', 'a request with this key is still being handled');
      }
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        const status = res.statusCode;
        const write = () => (status >= 200 && status < 300 ? store.complete(caller, key, status, body) : store.release(caller, key));
        // The answer leaves once its record is written, so the same key right after gets this answer,
        // not idempotency_in_progress; a failed write still answers and is retried behind it.
        write().then(
          () => json(body),
          () => {
            json(body);
            void keep(write, log);
          },
        );
        return res;
      };
      next();
    } catch (error) {
      next(error);
    }
  };
}
