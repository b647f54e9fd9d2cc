import { InvalidWaiterError, parseRegistration } from '../core/waiters/model';
import { registerWaiter, type WaiterDeps } from '../adapters/waiter-resume';

/** Registering failed on a dependency: the state retries (a new task token, a new waiter). */
export class WaiterRegistrationError extends Error {
  constructor(options: { cause: unknown }) {
    const cause = options.cause;
    super(
      `waiter not registered: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`,
      options,
    );
    this.name = 'WaiterRegistrationError';
  }
}

export interface RegistrarResult {
  readonly registered: true;
  /** The delivery that resumed the waiter at once (look-back). */
  readonly resumedBy?: string;
}

/**
 * The waitForWebhook task's function, invoked by Step Functions with `.waitForTaskToken`: registers
 * the waiter and looks back for an event that already arrived. Its answer is not the state's output:
 * the state waits until SendTaskSuccess (or its timeout).
 */
export function createRegistrar(deps: WaiterDeps) {
  return async (payload: unknown): Promise<RegistrarResult> => {
    const registration = parseRegistration(payload);
    try {
      const { resumedBy } = await registerWaiter(deps, registration);
      deps.telemetry.metrics.flush();
      return resumedBy === undefined ? { registered: true } : { registered: true, resumedBy };
    } catch (error) {
      deps.telemetry.metrics.flush();
      if (error instanceof InvalidWaiterError) throw error;
      deps.telemetry.log.error('waiter not registered', {
        waiter: registration.name,
        executionArn: registration.executionArn,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      throw new WaiterRegistrationError({ cause: error });
    }
  };
}
