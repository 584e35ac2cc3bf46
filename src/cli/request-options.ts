/** The options both commands that talk to the API take the same way (one text, one default). */
import type { Options } from 'yargs';
import { DEFAULTS } from '../options.js';

export const RATE_OPTION: Options = {
  type: 'string',
  default: String(DEFAULTS.rate),
  describe: "request starts per minute at most, or auto: as the API's rate headers allow (180 without them)",
};

export const TIMEOUT_OPTION: Options = { type: 'number', default: DEFAULTS.timeout, describe: 'per-attempt timeout in ms' };
