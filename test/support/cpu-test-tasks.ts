/** Tasks for the CPU pool's own tests: TypeScript on purpose (the worker must load it). */
function spin(ms: number): number {
  const until = Date.now() + ms;
  let n = 0;
  while (Date.now() < until) n++;
  return n;
}

export const tasks = {
  echo: (input: { text: string }): string => `echo: ${input.text}`,
  spin: (input: { ms: number }): number => spin(input.ms),
  fail: (_input: null): never => {
    throw new Error('the task broke');
  },
  bytes: (input: { data: Uint8Array }): number => input.data.byteLength,
};
