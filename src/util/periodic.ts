/**
 * Runs `work` every interval on a timer that never keeps the process alive,
 * one run at a time: a tick that comes while the last run is still going is
 * skipped. Errors go to `onError`.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly work: () => unknown,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      Promise.resolve()
        .then(this.work)
        .catch(this.onError)
        .finally(() => (this.running = false));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
