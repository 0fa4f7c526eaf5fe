import { OPERATION_KINDS } from '../../domain/operations';
import { OPERATION_WORKFLOWS } from '../../api/operationStarter';
import * as workflows from '../../workflows';

/**
 * Temporal takes the workflow type from the function's name, the worker registers the
 * workflows module's export names: the two must agree for every kind, or a start would
 * name a type no worker knows.
 */
describe('workflows started by reference', () => {
  it.each(OPERATION_KINDS.map((k) => [k]))('%s starts an exported workflow under its own name', (kind) => {
    const fn = OPERATION_WORKFLOWS[kind];
    expect(fn.name).toBe(`${kind}Workflow`);
    expect((workflows as Record<string, unknown>)[fn.name]).toBe(fn);
  });
});
