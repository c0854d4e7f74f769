// A reconnecting client's engine and types in one import: the Supervisor (supervisor.ts), its
// options and handler types (supervisor-types.ts), and the retry settings (retry-schedule.ts).

export type { ReconnectContext, ReconnectOptions } from './retry-schedule.js';
export { Supervisor } from './supervisor.js';
export type {
  ConnectionFactory,
  Provider,
  ReconnectingEvent,
  ReconnectingOptions,
  SupervisedConnection,
  SupervisorHandler,
  SupervisorOptions,
} from './supervisor-types.js';
