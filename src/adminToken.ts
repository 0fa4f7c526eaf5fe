import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/database';
import { createToken, findActiveToken } from '../db/queries/tokens';

/**
 * The first admin token is written to a file readable only by its owner (never to a
 * log), so the README can say `TOKEN=$(cat .slipway/admin-token)`. A token already in the
 * file and still valid is kept.
 */
export async function ensureAdminToken(db: Db, file: string): Promise<{ file: string; created: boolean }> {
  const existing = await fs.readFile(file, 'utf8').then(
    (t) => t.trim(),
    () => '',
  );
  if (existing && (await findActiveToken(db, existing))?.role === 'admin') return { file, created: false };
  const { token } = await createToken(db, { name: 'bootstrap-admin', role: 'admin', tenantId: null });
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(`${file}.tmp`, `${token}\n`, { mode: 0o600 });
  await fs.rename(`${file}.tmp`, file);
  return { file, created: true };
}
