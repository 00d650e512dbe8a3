/**
 * A wait as a person says it — minutes from a minute and a half, seconds below — as a unit and a
 * number, so each panel picks its own whole sentence with the plural for that number.
 */
export function waitAmount(seconds: number): { unit: 'minutes' | 'seconds'; count: number } {
  if (seconds >= 90) return { unit: 'minutes', count: Math.ceil(seconds / 60) };
  return { unit: 'seconds', count: Math.max(1, Math.round(seconds)) };
}
