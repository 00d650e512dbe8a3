/**
 * One language's messages as an object of functions, with a school's overrides laid over them
 * and English under them. Used by the client (client/src/lib/i18n/messages.svelte.ts) and the
 * server's mail and pages (server/src/i18n/translator.ts), so both read the same way.
 *
 * An override is one text with the English message's {placeholders}; it replaces every plural
 * form of that message (a school writes it so it reads for any number, or leaves it).
 */
type MessageFn = (inputs?: Record<string, unknown>) => string;
export type Overrides = Readonly<Record<string, string>>;

/** A compiled language module's functions, callable as `m.key()` when the message takes no input. */
export type MessageFunctions<T> = {
  [K in keyof T]: T[K] extends (inputs: infer I) => string
    ? keyof I extends never
      ? (inputs?: I) => string
      : (inputs: I) => string
    : never;
};

export function fillOverride(text: string, inputs: Record<string, unknown> | undefined): string {
  return text.replace(/\{\s*([A-Za-z_]\w*)\s*\}/g, (whole, name: string) =>
    inputs && name in inputs ? String(inputs[name]) : whole,
  );
}

export function messageProxy<M extends object>(
  read: () => { dict: object; overrides: Overrides },
  fallback: M,
): MessageFunctions<M> {
  return new Proxy(fallback as MessageFunctions<M>, {
    get(_target, key) {
      if (typeof key !== 'string') return undefined;
      const { dict, overrides } = read();
      const override = overrides[key];
      if (override !== undefined) return ((inputs) => fillOverride(override, inputs)) satisfies MessageFn;
      return (dict as Record<string, MessageFn>)[key] ?? (fallback as Record<string, MessageFn>)[key];
    },
  });
}
