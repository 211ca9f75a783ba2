/**
 * What the Logic App must send for an event, computed from the dispatch contract
 * (lib/dispatch-contract.ts) independently of the Logic App's expressions: each field from
 * where the contract says it comes, the data's camelCase name before its PascalCase one,
 * as text. Tests evaluate the real workflow definition and compare with this.
 */
import { PAYLOAD, type PayloadSource } from '../../lib/dispatch-contract';

/** `event`: an Event Grid event as delivered (its `data` is the model's). */
export function expectedPayload(
  event: { readonly data: object },
  settings: { readonly workspace: string; readonly environment: string },
): Record<string, string> {
  const envelope = event as unknown as Readonly<Record<string, unknown>>;
  const data = event.data as Readonly<Record<string, unknown>>;
  const value = (s: PayloadSource): string => {
    if ('data' in s) return String(data[s.data[0]] ?? data[s.data[1]]);
    if ('event' in s) return String(envelope[s.event]);
    return settings[s.setting];
  };
  return Object.fromEntries(Object.values(PAYLOAD).map((f) => [f.key, value(f.source)]));
}
