import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../store/db.js';

/** The dispatcher that holds a store's outbox lease, as the lease row records it. */
export interface LeaseHolder {
  owner: string;
  pid: number;
  host: string;
  /** Wall-clock epoch milliseconds. */
  expiresAt: number;
}

interface RawLease {
  owner: string;
  pid: number;
  host: string;
  expires_at: number;
}

/**
 * What {@link OutboxLease.keep} found: the lease was still held, was taken now (`previous` says whether this
 * dispatcher held it before), or another dispatcher holds it.
 */
export type LeaseState =
  | { kind: 'held' }
  | { kind: 'taken'; previous: 'none' | 'lapsed' }
  | { kind: 'waiting'; holder: LeaseHolder; lost: boolean };

/** Owners of leases held by dispatchers running in this process; a stopped one leaves the set at once. */
const liveOwners = new Set<string>();

/** True when process `pid` exists on this host; EPERM means it exists but belongs to another user. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when the holder has certainly stopped: it ran on this host, and its process has exited or, in this
 * process, its dispatcher has stopped. A holder on another host is waited for until its lease expires.
 * NOTE: this assumes that processes which report the same hostname share one PID namespace.
 */
function holderStopped(holder: LeaseHolder): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return !liveOwners.has(holder.owner);
  return !processExists(holder.pid);
}

/**
 * The right to deliver one store's outbox. Only one dispatcher may deliver, because a second one would
 * take the first one's in-flight posts for interrupted ones and post them again. The lease lasts `ttlMs`
 * of wall-clock time (`Date.now()`, not the context's clock, which a replay moves by hours) and is renewed
 * while the dispatcher runs. Another dispatcher takes it over when it expires, or at once when its holder
 * has exited on this host.
 */
export class OutboxLease {
  readonly owner = randomBytes(9).toString('base64url');
  /** Wall-clock time until which this dispatcher holds the lease; 0 when it does not hold it. */
  private heldUntil = 0;
  /** True once this dispatcher has held the lease, until another one takes it. */
  private hadLease = false;

  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
  ) {}

  /**
   * Takes or renews the lease. Returns undefined on success, or the dispatcher that holds it. Runs as one
   * IMMEDIATE transaction, so two dispatchers cannot both take a free lease.
   */
  private acquire(): LeaseHolder | undefined {
    const now = Date.now();
    const attempt = this.db.transaction((): LeaseHolder | undefined => {
      const raw = this.db
        .prepare<[], RawLease>('SELECT owner, pid, host, expires_at FROM outbox_lease WHERE id = 1')
        .get();
      const holder = raw && { owner: raw.owner, pid: raw.pid, host: raw.host, expiresAt: raw.expires_at };
      if (holder && holder.owner !== this.owner && holder.expiresAt > now && !holderStopped(holder)) return holder;
      this.db
        .prepare(
          `INSERT INTO outbox_lease (id, owner, pid, host, acquired_at, expires_at) VALUES (1, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET
             owner = excluded.owner, pid = excluded.pid, host = excluded.host, expires_at = excluded.expires_at,
             acquired_at = CASE WHEN outbox_lease.owner = excluded.owner THEN outbox_lease.acquired_at
                                ELSE excluded.acquired_at END`,
        )
        .run(this.owner, process.pid, hostname(), now, now + this.ttlMs);
      return undefined;
    });
    const holder = attempt.immediate();
    if (holder) {
      this.heldUntil = 0;
      liveOwners.delete(this.owner);
      return holder;
    }
    this.heldUntil = now + this.ttlMs;
    liveOwners.add(this.owner);
    return undefined;
  }

  /**
   * Renews the lease once less than three quarters of its lifetime remain, or tries to take it. Throws
   * when the store cannot be read or written.
   */
  keep(): LeaseState {
    if (this.holds((this.ttlMs * 3) / 4)) return { kind: 'held' };
    const renewing = this.holds(0);
    const holder = this.acquire();
    if (holder) {
      const lost = this.hadLease;
      this.hadLease = false;
      return { kind: 'waiting', holder, lost };
    }
    if (renewing) return { kind: 'held' };
    const previous = this.hadLease ? 'lapsed' : 'none';
    this.hadLease = true;
    return { kind: 'taken', previous };
  }

  /** True when this dispatcher holds the lease for at least `marginMs` more. */
  holds(marginMs = 0): boolean {
    return this.heldUntil - Date.now() > marginMs;
  }

  /** Marks the lease as given up in this process at once, so a successor here need not wait for `release`. */
  abandon(): void {
    this.heldUntil = 0;
    this.hadLease = false;
    liveOwners.delete(this.owner);
  }

  /** Deletes the lease row if this dispatcher still holds it. */
  release(): void {
    this.abandon();
    this.db.prepare('DELETE FROM outbox_lease WHERE id = 1 AND owner = ?').run(this.owner);
  }
}
