/** A contract method whose engine part has not landed yet: says so instead of faking a result. */
export class NotAvailableError extends Error {
  constructor(what: string, missing: string) {
    super(`${what} is not available yet (${missing} is missing)`);
    this.name = 'NotAvailableError';
  }
}

/** A call the service cannot serve in its current state (no source, no tokenizer, training running…). */
export class ServiceStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceStateError';
  }
}

/** Bad arguments from a front door: the method name and the problem. */
export class ArgumentError extends Error {
  constructor(method: string, problem: string) {
    super(`${method}: ${problem}`);
    this.name = 'ArgumentError';
  }
}
