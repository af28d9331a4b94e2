/** Source of the current time, so replays can run a maintenance of hours in seconds. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told; replays and tests advance it step by step. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string | number) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(time: Date | string | number): void {
    const next = new Date(time).getTime();
    if (next > this.current) this.current = next;
  }

  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}
