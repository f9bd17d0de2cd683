// Typed domain errors. Services throw these; one tRPC middleware and the REST adapters map them to
// status codes, so a domain rule never turns into a 500.
export class DomainError extends Error {
  constructor(message: string, readonly details?: unknown) {
    super(message);
    this.name = new.target.name;
  }
}
export class NotFoundError extends DomainError {}
export class ForbiddenError extends DomainError {}
export class UnauthorizedError extends DomainError {}
export class ValidationError extends DomainError {}
export class ConflictError extends DomainError {}
export class RateLimitedError extends DomainError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

export const httpStatusOf = (e: unknown): number => {
  if (e instanceof ValidationError) return 400;
  if (e instanceof UnauthorizedError) return 401;
  if (e instanceof ForbiddenError) return 403;
  if (e instanceof NotFoundError) return 404;
  if (e instanceof ConflictError) return 409;
  if (e instanceof RateLimitedError) return 429;
  return 500;
};
