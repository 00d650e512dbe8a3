/** "HH:mm" of an instant in the seeded schools' zone, worked out independently of the client's code. */
export const londonTime = (ms: number) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms);
