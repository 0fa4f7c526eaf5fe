import type { Html } from '../../html';
import type { Deployment, Operation } from '../../types';

/** What the panels of one deployment's page share. */
export interface DeploymentPage {
  id: string;
  signal: AbortSignal;
  deployment(): Deployment;
  /** The operation running or pending now, if any (newest first in the list). */
  inFlight(): Operation | null;
  /** POST/PUT an action; shows the API's answer and opens the operation it started. */
  act(method: 'POST' | 'PUT', path: string, body: unknown, label: string): Promise<boolean>;
  selectOperation(id: string): void;
  flash(content: Html): void;
}
