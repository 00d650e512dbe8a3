/**
 * What screen readers hear: polite news (a slot turned held, a resync) and
 * assertive alerts (your hold was refused). Two live regions render these; the
 * text is replaced, never appended, so each message is read once.
 */
export class Announcer {
  polite = $state('');
  assertive = $state('');
  private politeSeq = 0;

  say(message: string): void {
    // Re-announcing identical text needs a change the live region can notice.
    this.politeSeq++;
    this.polite = this.politeSeq % 2 ? message : `${message}\u200b`;
  }

  alert(message: string): void {
    this.assertive = this.assertive === message ? `${message}\u200b` : message;
  }
}
