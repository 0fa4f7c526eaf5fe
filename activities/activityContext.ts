import { Context } from '@temporalio/activity';

/** The running activity's context, or undefined outside one (boot-time repair, in-process tests). */
export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
