// Constructors for the errors Mini-Balancer raises itself, each with its precise SQLSTATE.
import { PgError } from './pg-error.ts';

export const featureNotSupported = (message: string, detail?: string): PgError =>
  new PgError({ code: '0A000', message, detail });
export const protocolViolation = (message: string): PgError => new PgError({ code: '08P01', message });
/** The coordinator's worker API refused a request without the shared secret. */
export const invalidAuthorization = (message: string): PgError => new PgError({ code: '28000', message });
export const invalidPassword = (user: string): PgError =>
  new PgError({ code: '28P01', message: `password authentication failed for user "${user}"` });
export const queryCanceled = (message = 'canceling statement due to user request'): PgError =>
  new PgError({ code: '57014', message });
export const statementTimeout = (): PgError =>
  new PgError({ code: '57014', message: 'canceling statement due to statement timeout' });
export const tooManyConnections = (): PgError =>
  new PgError({ code: '53300', message: 'sorry, too many clients already' });
export const internalError = (message = 'internal error in mini-balancer', detail?: string): PgError =>
  new PgError({ code: 'XX000', message, detail });
/** A worker could not be reached or failed at the connection level (SQLSTATE class 08). */
export const workerUnavailable = (message: string, detail?: string): PgError =>
  new PgError({ code: '08006', message, detail });
/** A chunk that ran into the scheduler's chunk timeout on its last attempt. */
export const chunkTimedOut = (message: string, detail?: string): PgError =>
  new PgError({ code: '57014', message, detail });
/** The coordinator is shutting down while the statement runs. */
export const adminShutdown = (): PgError =>
  new PgError({ code: '57P01', message: 'terminating connection due to administrator command' });
export const invalidParameter = (message: string): PgError => new PgError({ code: '22023', message });
export const invalidRequest = (message: string): PgError => new PgError({ code: '08P01', message });
export const undefinedObject = (message: string): PgError => new PgError({ code: '42704', message });
export const duplicateObject = (message: string): PgError => new PgError({ code: '42710', message });
export const objectNotInPrerequisiteState = (message: string): PgError =>
  new PgError({ code: '55000', message });
