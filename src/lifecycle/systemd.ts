// systemd readiness (Type=notify): when NOTIFY_SOCKET is set, tell systemd
// through systemd-notify (NotifyAccess=all in the unit lets a child send it).
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

export function notifySystemd(assignment: 'READY=1' | 'STOPPING=1', log: Logger): void {
  if (!process.env['NOTIFY_SOCKET']) return;
  execFile('systemd-notify', [`--pid=${process.pid}`, assignment], { timeout: 5_000 }, (err) => {
    if (err) log.warn({ err, assignment }, 'systemd-notify failed');
  });
}
