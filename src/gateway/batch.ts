// Extended-protocol batches (messages up to Sync) the gateway can answer itself: one statement, bound once and
// executed whole. Anything else goes to the client's backend as sent.
import {
  type BindMessage,
  type ParseMessage,
  parseBindMessage,
  parseExecute,
  parseParseMessage,
  parseTarget,
} from './extended-messages.ts';
import type { Message } from './message-reader.ts';

export interface SplittableBatch {
  parse: ParseMessage | undefined;
  bind: BindMessage;
  /** Describe of the statement ('S'), of the portal ('P'), in the order sent. */
  describes: ('S' | 'P')[];
  /** The portal is closed after the Execute. */
  closePortal: boolean;
}

/**
 * Whether a batch is `[Parse] Bind [Describe S|P]... Execute(all rows) [Close portal] Sync` on one statement
 * and portal; the parts if so. Flush, row-limited Execute, several statements or portals: null.
 */
export function splittableBatch(batch: readonly Message[]): SplittableBatch | null {
  let i = 0;
  const at = () => batch[i];
  let parse: ParseMessage | undefined;
  if (at()?.type === 'P') {
    parse = parseParseMessage((at() as Message).body);
    i++;
  }
  const describes: ('S' | 'P')[] = [];
  // A Describe of the statement may come before or after Bind.
  while (at()?.type === 'D') {
    const d = parseTarget((at() as Message).body);
    if (d.kind !== 'S' || (parse && d.name !== parse.name)) return null;
    describes.push('S');
    i++;
  }
  if (at()?.type !== 'B') return null;
  const bind = parseBindMessage((at() as Message).body);
  i++;
  if (parse && bind.statement !== parse.name) return null;
  while (at()?.type === 'D') {
    const d = parseTarget((at() as Message).body);
    if (d.kind === 'P' ? d.name !== bind.portal : d.kind !== 'S' || d.name !== bind.statement) return null;
    describes.push(d.kind as 'S' | 'P');
    i++;
  }
  if (at()?.type !== 'E') return null;
  const exec = parseExecute((at() as Message).body);
  if (exec.portal !== bind.portal || exec.maxRows !== 0) return null;
  i++;
  let closePortal = false;
  if (at()?.type === 'C') {
    const c = parseTarget((at() as Message).body);
    if (c.kind !== 'P' || c.name !== bind.portal) return null;
    closePortal = true;
    i++;
  }
  if (at()?.type !== 'S' || i !== batch.length - 1) return null;
  return { parse, bind, describes, closePortal };
}
