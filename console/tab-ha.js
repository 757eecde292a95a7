// High availability (HA bundles only): where the primary runs, the
// standby's health and lag, whether commits wait for it, past failovers.

import { isHighlyAvailableBundle } from './databases.js';
import { formatTime, h, summaryList, table } from './dom.js';
import { headingBar, loadInto } from './panel.js';

export const HIGH_AVAILABILITY_OPERATION = 'BerthAdmin_20261127.GetRelationalDatabaseHighAvailability';

/** Rows of the HA view: where the primary runs, the standby's state, whether commits wait for it, its lag. */
export function highAvailabilityRows(view) {
  const standby = view.standby;
  const lag = standby?.lagBytes === undefined ? undefined
    : `${standby.lagBytes} bytes${standby.lagSeconds === undefined ? '' : `, ${standby.lagSeconds.toFixed(1)} s`}`;
  return [
    ['Primary zone', `${view.primary?.availabilityZone ?? '—'} (${view.primary?.state ?? '—'})`],
    ['Standby zone', standby ? `${standby.availabilityZone} (${standby.state})` : 'none'],
    ['Commits', standby?.synchronous ? 'synchronous: acknowledged once the standby has them' : 'asynchronous (degraded): the primary commits alone'],
    ['Replication lag', lag],
    ['Last failover', view.failovers?.length ? `${formatTime(view.failovers.at(-1).at)}: ${view.failovers.at(-1).message}` : 'none'],
  ];
}

export const haTab = {
  id: 'ha',
  label: 'High availability',
  shows: (db) => isHighlyAvailableBundle(db.relationalDatabaseBundleId),
  open(panel, context) {
    const name = context.db.name;
    const body = h('div');
    let loaded = false;
    async function reload() {
      const answer = await loadInto(body, 'Could not read the high availability view (berth:GetRelationalDatabaseHighAvailability)', () =>
        context.client.call(HIGH_AVAILABILITY_OPERATION, { relationalDatabaseName: name }), { keep: loaded });
      loaded = true;
      if (!answer) return;
      const view = answer.highAvailability;
      body.replaceChildren(
        summaryList(highAvailabilityRows(view)),
        h('h4', {}, 'Failovers'),
        table([
          ['Time', (failover) => formatTime(failover.at)],
          ['What happened', (failover) => failover.message],
        ], [...(view.failovers ?? [])].reverse(), 'No failover yet.'),
      );
    }
    panel.append(headingBar('High availability'), body);
    void reload();
    return { update: () => void reload() };
  },
};
